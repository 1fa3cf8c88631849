"""The weekly ticket review, pure, for one ISO week (kefu.sla.rules.Week): each ticket's status and owner timeline
rebuilt from its audit rows (kefu.tickets.models.TicketChange) and clipped to the week; where the time went (by
status, department, waiting party and tag); the week's breaches and their causes; the week's volume and medians.

Everything works on plain rows (TicketRow, ChangeRow) that service.py reads in a few queries, so it is tested
without a database. Times are counted twice: wall time (what the buyer lived through) and business time (the
shop's calendar, what the SLA clocks count). A ticket's "department" is the group of the agent who owned it at
that moment (unassigned when nobody did).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from kefu.sla import rules as sla
from kefu.sla.rules import Week
from kefu.tickets.rules import PRIORITIES, STATUSES, TYPES

# Time counted as stalled: every status between opening and resolution (the shop's own and the waiting ones).
STALL_STATUSES = tuple(k for k, c in STATUSES.items() if c in ("open", "waiting"))
SHOWN_STATUSES = (*STALL_STATUSES, "resolved")  # the status table also shows time spent resolved, not closed
PARTIES = {"waiting_buyer": "buyer", "waiting_courier": "courier", "waiting_warehouse": "warehouse",
           "waiting_platform": "platform"}
UNASSIGNED, UNKNOWN, NO_INTENT = "unassigned", "unknown", "none"
# Why a clock ran out (several may hold; "slow" only when none of the others does), see docs/tickets.md.
CAUSES = ("unassigned", "not_started", "no_reply", "reopened", "handed_over", "slow")
HANDED_OVER = 2  # moves from one owner to another before the breach that count as being passed around
TOP_STALLED = 10


# ---------------------------------------------------------------- timelines

@dataclass(frozen=True)
class TicketRow:
    id: int
    number: str
    title: str
    kind: str
    priority: str
    status: str
    created_at: datetime
    assignee_id: int | None = None
    tags: tuple[str, ...] = ()
    first_responded_at: datetime | None = None
    intent: str | None = None  # of the conversation the ticket came from


@dataclass(frozen=True)
class ChangeRow:
    ticket_id: int
    at: datetime
    field: str
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Span:
    status: str
    start: datetime
    end: datetime
    owner: int | None


def _agent_id(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def spans(t: TicketRow, changes: Iterable[ChangeRow], until: datetime) -> list[Span]:
    """The ticket's life as (status, owner) spans from its creation up to ``until`` (or its closing: nothing
    happens to a closed ticket). ``changes`` are its audit rows in order."""
    changes = [c for c in changes if c.field in ("status", "assignee_id") and c.at < until]
    owners = [c for c in changes if c.field == "assignee_id"]
    status, owner = "open", _agent_id(owners[0].before) if owners else t.assignee_id
    out, since = [], t.created_at
    for c in changes:
        if c.at > since:
            out.append(Span(status, since, c.at, owner))
            since = c.at
        if c.field == "status":
            status = c.after or status
        else:
            owner = _agent_id(c.after)
        if status == "closed":
            return out
    if until > since:
        out.append(Span(status, since, until, owner))
    return out


def _overlap(span: Span, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    lo, hi = max(span.start, start), min(span.end, end)
    return (lo, hi) if hi > lo else None


def hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


# ---------------------------------------------------------------- where the time went

@dataclass
class _Sum:
    wall: float = 0.0
    business: float = 0.0
    tickets: set[int] = field(default_factory=set)
    per_ticket: dict[int, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, ticket_id: int, wall: float, business: float) -> None:
        self.wall += wall
        self.business += business
        self.tickets.add(ticket_id)
        self.per_ticket[ticket_id] += wall

    def out(self, **extra) -> dict:
        n = len(self.tickets)
        return {**extra, "tickets": n, "wall_h": hours(self.wall), "business_h": hours(self.business),
                "avg_wall_h": hours(self.wall / n) if n else 0.0,
                "max_wall_h": hours(max(self.per_ticket.values(), default=0.0))}


def group_of(owner: int | None, groups: dict[int, str]) -> str:
    return UNASSIGNED if owner is None else groups.get(owner, UNKNOWN)


def time_spent(tickets: list[TicketRow], timelines: dict[int, list[Span]], week: Week, until: datetime,
               cal: sla.Calendar, groups: dict[int, str]) -> dict:
    """Time in each status this week (clipped to [week start, until)), and where tickets stalled: by
    department (the owner's group), by waiting party, by tag, and the tickets that stalled longest."""
    by_status: dict[str, _Sum] = defaultdict(_Sum)
    by_group: dict[str, dict[str, _Sum]] = defaultdict(lambda: defaultdict(_Sum))
    by_tag: dict[str, dict[str, _Sum]] = defaultdict(lambda: defaultdict(_Sum))
    per_ticket: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    business_of: dict[int, float] = defaultdict(float)
    for t in tickets:
        for span in timelines.get(t.id, []):
            cut = _overlap(span, week.start, until) if span.status in SHOWN_STATUSES else None
            if cut is None:
                continue
            wall = (cut[1] - cut[0]).total_seconds()
            business = sla.business_time_between(cal, *cut).total_seconds()
            by_status[span.status].add(t.id, wall, business)
            if span.status not in STALL_STATUSES:
                continue
            side = "waiting" if span.status in PARTIES else "with_shop"
            for bucket in (by_group[group_of(span.owner, groups)], *(by_tag[tag] for tag in t.tags)):
                bucket[side].add(t.id, wall, business)
                bucket["all"].add(t.id, wall, business)
            per_ticket[t.id][span.status] += wall
            business_of[t.id] += business

    def split(parts: dict[str, _Sum], **key) -> dict:
        return {**parts["all"].out(**key), "with_shop_h": hours(parts["with_shop"].wall),
                "waiting_h": hours(parts["waiting"].wall)}

    ordered = sorted(per_ticket, key=lambda i: (-sum(per_ticket[i].values()), i))[:TOP_STALLED]
    row = {t.id: t for t in tickets}
    stalled = []
    for i in ordered:
        t, spent = row[i], per_ticket[i]
        longest = max(spent, key=spent.get)
        stalled.append({"number": t.number, "title": t.title, "kind": t.kind, "status": t.status,
                        "wall_h": hours(sum(spent.values())), "business_h": hours(business_of[i]),
                        "longest_status": longest, "longest_h": hours(spent[longest]),
                        "owner": t.assignee_id, "group": group_of(t.assignee_id, groups)})
    return {
        "tickets": len(per_ticket),
        "statuses": [by_status[s].out(status=s) for s in SHOWN_STATUSES if s in by_status],
        "departments": sorted((split(parts, group=g) for g, parts in by_group.items()),
                              key=lambda d: (-d["wall_h"], d["group"])),
        "parties": [by_status[s].out(party=p, status=s) for s, p in PARTIES.items() if s in by_status],
        "tags": sorted((split(parts, tag=tag) for tag, parts in by_tag.items()),
                       key=lambda d: (-d["wall_h"], d["tag"])),
        "stalled": stalled,
    }


# ---------------------------------------------------------------- breaches and their causes

def _reopened(c: ChangeRow) -> bool:
    return c.field == "status" and c.before == "resolved" and STATUSES.get(c.after or "") == "open"


def breach_causes(clock: str, at: datetime, t: TicketRow, timeline: list[Span],
                  changes: list[ChangeRow]) -> list[str]:
    """Why a clock ran out at ``at``, from what the trail shows: nobody owned the ticket; it was still 待处理
    and never started; no reply the buyer could see had gone out (resolution clock); it had been reopened; it
    had passed from one owner to another at least HANDED_OVER times (getting its first owner does not count);
    else it was being worked and took too long ("slow")."""
    before = [s for s in timeline if s.start < at]
    now_span = before[-1] if before else None
    causes = []
    if now_span is None or now_span.owner is None:
        causes.append("unassigned")
    if all(s.status == "open" for s in before):
        causes.append("not_started")
    if clock == "resolution" and (t.first_responded_at is None or t.first_responded_at > at):
        causes.append("no_reply")
    if any(_reopened(c) and c.at <= at for c in changes):
        causes.append("reopened")
    if sum(1 for c in changes if c.field == "assignee_id" and c.before and c.at <= at) >= HANDED_OVER:
        causes.append("handed_over")
    return causes or ["slow"]


def breaches(tickets: list[TicketRow], changes: dict[int, list[ChangeRow]], timelines: dict[int, list[Span]],
             week: Week, until: datetime, groups: dict[int, str]) -> dict:
    """The SLA breaches recorded this week (a clock's first sla_breached audit row), each with where the ticket
    was, who had it, how long it had waited on whom before (wall hours; waiting stops the clock, so this is
    context, not a cause) and its causes; counted by clock and by cause."""
    row = {t.id: t for t in tickets}
    items = []
    for ticket_id, rows in changes.items():
        seen: set[str] = set()  # a clock breaches once: once late, it stays late (a repeated row is not new)
        for c in rows:
            if c.field != "sla_breached" or c.after in seen:
                continue
            seen.add(c.after or "")
            if not week.start <= c.at < until or ticket_id not in row:
                continue
            t, timeline = row[ticket_id], timelines.get(ticket_id, [])
            before = [s for s in timeline if s.start < c.at]
            waited: dict[str, float] = defaultdict(float)
            for s in before:
                if s.status in PARTIES:
                    waited[PARTIES[s.status]] += (min(s.end, c.at) - s.start).total_seconds()
            owner = before[-1].owner if before else None
            items.append({"number": t.number, "title": t.title, "kind": t.kind, "priority": t.priority,
                          "clock": c.after or "", "at": c.at, "status_then": before[-1].status if before else "open",
                          "owner": owner, "group": group_of(owner, groups),
                          "waited_h": {p: hours(v) for p, v in waited.items() if v > 0},
                          "causes": breach_causes(c.after or "", c.at, t, timeline, rows)})
    items.sort(key=lambda b: (b["at"], b["number"]))
    by_cause = {cause: sum(cause in b["causes"] for b in items) for cause in CAUSES}
    return {"total": len(items),
            "by_clock": {clock: sum(b["clock"] == clock for b in items) for clock in ("first_response", "resolution")},
            "by_cause": [{"cause": k, "count": v} for k, v in sorted(by_cause.items(), key=lambda kv: -kv[1]) if v],
            "items": items}


# ---------------------------------------------------------------- volume

def _counts(values: Iterable[str], order: Iterable[str] = ()) -> list[dict]:
    counted: dict[str, int] = defaultdict(int)
    for v in values:
        counted[v] += 1
    keys = [k for k in order if k in counted] + sorted((k for k in counted if k not in order),
                                                       key=lambda k: (-counted[k], k))
    return [{"key": k, "count": counted[k]} for k in keys]


def _median(pairs: list[tuple[datetime, datetime]], cal: sla.Calendar) -> dict:
    if not pairs:
        return {"n": 0, "wall_h": None, "business_h": None}
    wall = statistics.median((b - a).total_seconds() for a, b in pairs)
    business = statistics.median(sla.business_time_between(cal, a, b).total_seconds() for a, b in pairs)
    return {"n": len(pairs), "wall_h": hours(wall), "business_h": hours(business)}


def volume(tickets: list[TicketRow], changes: dict[int, list[ChangeRow]], week: Week, until: datetime,
           cal: sla.Calendar) -> dict:
    """Tickets opened this week by type, priority and the intent of their chat; how many were resolved,
    closed and reopened (tickets, not moves); the median time to first response (replies sent this week) and
    to resolution (tickets resolved this week), from the ticket's creation."""
    created = [t for t in tickets if week.start <= t.created_at < until]
    row = {t.id: t for t in tickets}
    moved: dict[str, dict[int, datetime]] = defaultdict(dict)
    for ticket_id, rows in changes.items():
        for c in rows:
            if c.field == "status" and week.start <= c.at < until:
                kind = "reopened" if _reopened(c) else c.after
                moved[kind or ""][ticket_id] = c.at  # the last one in the week
    responded = [(t.created_at, t.first_responded_at) for t in tickets
                 if t.first_responded_at is not None and week.start <= t.first_responded_at < until]
    resolved = [(row[i].created_at, at) for i, at in moved["resolved"].items() if i in row]
    return {"created": len(created), "resolved": len(moved["resolved"]), "closed": len(moved["closed"]),
            "reopened": len(moved["reopened"]),
            "by_kind": _counts((t.kind for t in created), TYPES),
            "by_priority": _counts((t.priority for t in created), PRIORITIES),
            "by_intent": _counts(t.intent or NO_INTENT for t in created),
            "first_response": _median(responded, cal), "resolution": _median(resolved, cal)}


def review(tickets: list[TicketRow], changes: dict[int, list[ChangeRow]], week: Week, at: datetime,
           cal: sla.Calendar, groups: dict[int, str]) -> dict:
    """The whole review of one week (up to ``at`` while the week is still running)."""
    until = min(week.end, at)
    timelines = {t.id: spans(t, changes.get(t.id, []), until) for t in tickets}
    return {"time": time_spent(tickets, timelines, week, until, cal, groups),
            "breaches": breaches(tickets, changes, timelines, week, until, groups),
            "volume": volume(tickets, changes, week, until, cal)}
