"""A shop's SLA policy and the clocks it runs on tickets.

The admin sets the policy (business hours, holidays, targets per type and priority, the shop's own ticket
types, the quick-response team); a ticket's clocks stop while it waits on the buyer or a third party and run
again with the business time they had left; each running clock has a warning timer (2 business hours before)
and a breach timer (at the deadline), rows claimed by the scheduler. When the policy or a ticket's priority
changes, every unfinished clock keeps the business time it has used and gets a new due time from the rest.
An urgent or escalated complaint also runs the quick-response clock: 2 business hours for the team to act.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.audit import service as audit_log
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput
from kefu.sla import rules
from kefu.sla.models import SlaSettings
from kefu.tickets import rules as ticket_rules
from kefu.tickets.events import Change, audit, emit, emit_many, set_field
from kefu.tickets.models import Ticket, TicketChange
from kefu.tickets.schemas import CLOCKS, clock_done_at, clock_left, ticket_out

WARN_TIMER, BREACH_TIMER, QUICK_TIMER = "sla.warn", "sla.breach", "sla.quick"


POLICIES = "kefu_sla_policies"  # session.info: the policy of each shop read in this transaction


async def policy(s: AsyncSession, shop_id: int) -> rules.Policy:
    """The shop's policy, read once per transaction (a shop without settings has no row to keep in the session's
    identity map: without this, every use would ask the database again)."""
    known = s.sync_session.info.setdefault(POLICIES, {})
    if shop_id not in known:
        row = await s.get(SlaSettings, shop_id)
        known[shop_id] = rules.policy_from(row.settings if row is not None else None)
    return known[shop_id]


async def calendar(s: AsyncSession, shop_id: int) -> rules.Calendar:
    return (await policy(s, shop_id)).calendar


async def settings(s: AsyncSession, shop_id: int) -> dict:
    return rules.settings_of(await policy(s, shop_id), ticket_rules.TYPES)


async def save_settings(s: AsyncSession, admin: Agent, body: dict) -> dict:
    """Store the admin's policy and move every unfinished clock of the shop's tickets to it."""
    try:
        clean = rules.check_settings(body)
    except ValueError as exc:
        zh, en = exc.args[0]
        raise BadInput(zh, en, code="bad_sla_settings") from None
    members = set((await s.scalars(select(Agent.id).where(Agent.id.in_(clean["quick_team"]),
                                                          Agent.shop_id == admin.shop_id))).all())
    if members != set(clean["quick_team"]):
        raise BadInput("快速响应小组中有不属于本店的客服", "The quick-response team names an agent not in this shop",
                       code="bad_sla_settings")
    old = await policy(s, admin.shop_id)
    row = await s.get(SlaSettings, admin.shop_id, with_for_update=True)
    if row is None:
        row = SlaSettings(shop_id=admin.shop_id)
        s.add(row)
    row.settings, row.updated_at, row.updated_by_id = clean, now(), admin.id
    await s.flush()
    new = s.sync_session.info.setdefault(POLICIES, {})[admin.shop_id] = rules.policy_from(clean)
    await audit_log.record(s, admin.shop_id, admin, "settings.sla", "shop", audit_log.changes(
        rules.settings_of(old, ticket_rules.TYPES), rules.settings_of(new, ticket_rules.TYPES)))
    moved = 0
    if new != old:
        open_tickets = await s.scalars(select(Ticket).where(Ticket.shop_id == admin.shop_id,
                                                            Ticket.status != "closed").order_by(Ticket.id))
        for t in open_tickets:
            moved += await retarget(s, t, None, old, new, t.kind, t.priority)
    return {**rules.settings_of(new, ticket_rules.TYPES), "retargeted": moved}


async def retarget(s: AsyncSession, t: Ticket, agent: Agent | None, old: rules.Policy, new: rules.Policy,
                   old_kind: str, old_priority: str) -> int:
    """Recompute the ticket's unfinished clocks for a new policy or a new type / priority; 1 if any moved."""
    at, moved = now(), 0
    for clock in CLOCKS:
        if clock_done_at(t, clock) is not None:
            continue
        before = getattr(old.target(old_kind, old_priority), clock)
        after = getattr(new.target(t.kind, t.priority), clock)
        due, left = rules.rescale(old.calendar, new.calendar, at, before, after,
                                  as_utc(getattr(t, f"{clock}_due_at")), clock_left(t, clock))
        if due != as_utc(getattr(t, f"{clock}_due_at")) or left != clock_left(t, clock):
            set_field(s, t, agent, f"{clock}_due_at", due)
            set_field(s, t, agent, f"{clock}_left_s", None if left is None else left.total_seconds())
            moved = 1
    if moved:
        await arm(s, t, new)
    return moved


def stop_clocks(s: AsyncSession, t: Ticket, agent: Agent | None, cal: rules.Calendar) -> None:
    """Waiting on the buyer or a third party: each unfinished clock keeps the business time it has left."""
    at = now()
    for clock in CLOCKS:
        due = as_utc(getattr(t, f"{clock}_due_at"))
        if due is not None and clock_done_at(t, clock) is None:
            set_field(s, t, agent, f"{clock}_left_s", rules.pause(cal, at, due).total_seconds())
            set_field(s, t, agent, f"{clock}_due_at", None)


def start_clocks(s: AsyncSession, t: Ticket, agent: Agent | None, cal: rules.Calendar) -> None:
    at = now()
    for clock in CLOCKS:
        left = clock_left(t, clock)
        if left is not None and clock_done_at(t, clock) is None:
            set_field(s, t, agent, f"{clock}_due_at", rules.resume(cal, at, left))
            set_field(s, t, agent, f"{clock}_left_s", None)


def running_due(t: Ticket, clock: str) -> datetime | None:
    """The due time of a clock that is running now (None when stopped, done, or the ticket waits)."""
    due = as_utc(getattr(t, f"{clock}_due_at"))
    return due if due is not None and clock_done_at(t, clock) is None and ticket_rules.clock_runs(t.status) else None


async def arm(s: AsyncSession, t: Ticket, pol: rules.Policy | None = None) -> None:
    """Each running clock gets a warning timer (2 business hours before its deadline) and a breach timer (at
    it); a stopped or met clock has none; a pending quick-response clock has its own timer. Timers are rows
    (kefu.core.scheduler); only those whose due time moved are replaced, so arming again costs one read."""
    cal = (pol or await policy(s, t.shop_id)).calendar
    want: scheduler.Wanted = {}
    for clock in CLOCKS:
        due, key = running_due(t, clock), f"ticket:{t.id}:{clock}"
        if due is not None:
            payload = {"ticket_id": t.id, "clock": clock, "due_at": iso(due)}
            want[WARN_TIMER, key] = (rules.warn_at(cal, due), payload)
            want[BREACH_TIMER, key] = (due, payload)
    quick, key = as_utc(t.quick_due_at), f"ticket:{t.id}:quick"
    if quick is not None and t.quick_acted_at is None and t.status != "closed":
        want[QUICK_TIMER, key] = (quick, {"ticket_id": t.id, "due_at": iso(quick)})
    await scheduler.converge(s, t.shop_id, (WARN_TIMER, BREACH_TIMER, QUICK_TIMER),
                             [f"ticket:{t.id}:{c}" for c in (*CLOCKS, "quick")], want)


async def timers_due(s: AsyncSession, due: list[tuple[int, str, str, bool]]) -> None:
    """Warning or breach timers fell due, each (ticket id, clock, due_at, breached): where that clock still runs
    toward that deadline, the ticket's owner (warning) or the supervisors (breach) are told, through an internal
    event on the workspace's socket, and the history keeps it. A batch reads its tickets and what they were
    already told in two queries, whatever its size."""
    ids = {ticket_id for ticket_id, *_ in due}
    tickets = {t.id: t for t in await s.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    # Told once: a clock breaches once (a status change re-arms a past deadline's timer), and a warning is
    # given once per deadline.
    told = {(ticket_id, field, clock, None if field == "sla_breached" else before)
            for ticket_id, field, clock, before in (await s.execute(
                select(TicketChange.ticket_id, TicketChange.field, TicketChange.after, TicketChange.before)
                .where(TicketChange.ticket_id.in_(ids), TicketChange.field.in_(("sla_warning", "sla_breached")))))}
    changes = []
    for ticket_id, clock, due_at, breached in due:
        t = tickets.get(ticket_id)
        running = running_due(t, clock) if t is not None else None
        if running is None or iso(running) != due_at:
            continue  # stopped, met or moved since: a newer timer stands for it
        if not breached and running <= now():
            continue  # past its deadline already: the breach speaks for it
        what = "sla_breached" if breached else "sla_warning"
        mark = (t.id, what, clock, None if breached else due_at)
        if mark in told:
            continue
        told.add(mark)
        audit(s, t, None, what, due_at, clock)
        await events.record(s, t.shop_id, f"ticket.{what}",
                            {"ticket": ticket_out(t), "clock": clock, "assignee_id": t.assignee_id,
                             "notify": "supervisors" if breached else "assignee"}, private=True)
        changes.append(Change(what, t, {"clock": clock, "due_at": due_at}))
    await emit_many(s, changes)


async def quick_due(s: AsyncSession, ticket_id: int, due_at: str) -> None:
    """The quick-response team's 2 hours are up: if nobody has acted on the complaint, the supervisors are
    alerted."""
    t = await s.get(Ticket, ticket_id)
    if t is None or t.quick_acted_at is not None or t.status == "closed" or iso(as_utc(t.quick_due_at)) != due_at:
        return
    audit(s, t, None, "quick_overdue", None, t.assignee_id)
    await events.record(s, t.shop_id, "ticket.quick_overdue",
                        {"ticket": ticket_out(t), "assignee_id": t.assignee_id, "notify": "supervisors"},
                        private=True)
    await emit(s, "quick_overdue", t, {"due_at": due_at})


BOARD_NEAREST = 10


async def board(s: AsyncSession, shop_id: int) -> dict:
    """The supervisor's SLA board: unclosed tickets by status, breaches now and since the start of today
    (the shop's calendar day), and the tickets nearest to breach."""
    at = now()
    counts = dict((await s.execute(select(Ticket.status, func.count()).where(Ticket.shop_id == shop_id,
                                                                            Ticket.status != "closed")
                                   .group_by(Ticket.status))).all())
    running = (await s.scalars(select(Ticket).where(Ticket.shop_id == shop_id, Ticket.status.in_(
        [k for k in ticket_rules.STATUSES if ticket_rules.clock_runs(k)])))).all()
    dues = sorted(((due, t) for t in running for due in [next_due(t)] if due is not None),
                  key=lambda pair: pair[0])
    cal = await calendar(s, shop_id)
    day_start = datetime.combine(at.astimezone(cal.zone).date(), datetime.min.time(), tzinfo=cal.zone)
    today = await s.scalar(select(func.count()).select_from(TicketChange).where(
        TicketChange.shop_id == shop_id, TicketChange.field == "sla_breached",
        TicketChange.at >= day_start.astimezone(UTC)))
    quick_overdue = await s.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.shop_id == shop_id, Ticket.status != "closed", Ticket.quick_acted_at.is_(None),
        Ticket.quick_due_at <= at))
    return {"by_status": {k: counts.get(k, 0) for k in ticket_rules.STATUSES if k != "closed"},
            "breached_now": sum(1 for due, _ in dues if due <= at), "breaches_today": today or 0,
            "quick_overdue": quick_overdue or 0,
            "nearest": [ticket_out(t, at) for due, t in dues if due > at][:BOARD_NEAREST]}


def next_due(t: Ticket) -> datetime | None:
    dues = [d for clock in CLOCKS if (d := running_due(t, clock)) is not None]
    return min(dues) if dues else None
