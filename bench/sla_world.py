"""The world of `kefu bench sla`: a shop with many open tickets and their SLA timer rows, written in bulk (Core
inserts) in the shape the tickets service writes them (kefu.tickets.service.create, kefu.sla.service.arm): the
same columns, timer kinds, keys and payloads, due times from the shop's policy with kefu.sla.rules.
tests/bench/test_sla_bench.py checks the rows against what the service writes for the same story.

Tickets arrive over the ``HISTORY_DAYS`` before the simulated span at the hours buyers write (evenings busiest,
nights quiet), every day of the week alike. Their clocks count business hours only, so every ticket opened while
the shop is closed — overnight, over the weekend — starts its clocks at the next opening and shares its
deadlines, and their warnings, to the second with the others of its priority: the clusters a real calendar makes
(the weekend's tickets all start on Monday at 9:00; their first responses fall due on Wednesday at 15:00 and
warn at 13:00).

Before the span: a ticket whose first-response deadline passed was answered in time (``ANSWERED`` of them) or
is breached; each step re-armed the timers as the service does (pending rows cancelled, new ones scheduled), and
a row that fell due before the span has run. Nobody acts during the span: every timer due in it fires (the
worst case for the scheduler). The history keeps the audit rows of those steps, not notes or past events.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.core.clock import iso, now
from kefu.core.scheduler import Timer
from kefu.core.security import hash_password
from kefu.shops.models import Shop
from kefu.shops.service import create_shop
from kefu.sla import rules as sla
from kefu.sla.service import BREACH_TIMER, QUICK_TIMER, WARN_TIMER, policy
from kefu.tickets import rules
from kefu.tickets.models import Ticket, TicketChange
from kefu.tickets.schemas import CLOCKS

SPAN_START = datetime(2026, 12, 9, 0, 0, tzinfo=UTC)  # the simulated span: Wednesday 9 December 2026, 08:00 Beijing
HISTORY_DAYS = 14
ANSWERED = 0.85  # tickets whose first-response deadline passed before the span: answered in time
# Tickets opened per hour of the day (Beijing time, 0-23): quiet at night, busiest in the evening.
HOUR_WEIGHTS = (3, 2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 8, 10, 12, 13, 11, 6)
PRIORITY_WEIGHTS = {"urgent": 3, "high": 12, "normal": 75, "low": 10}
KIND_WEIGHTS = {"售后": 70, "咨询": 20, "投诉": 10}
TITLES = ("少发一件", "商品破损申请退款", "快递三天没更新", "尺码不合适要换货", "发票开错了", "赠品没收到",
          "颜色和图片不符", "退款还没到账", "物流显示签收但没收到", "客服态度投诉")
CHUNK = 2000  # rows per INSERT batch
SLUG_PREFIX = "bench-sla-"


def numbers(n: int, taken: set[str]) -> list[str]:
    """``n`` ticket numbers made as the service makes them (kefu.tickets.rules.new_number), none taken yet."""
    out: list[str] = []
    seen = set(taken)
    while len(out) < n:
        number = rules.new_number()
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


def story(created: datetime, kind: str, priority: str, answered: datetime | None, policy) -> dict:
    """One ticket's story: opened at ``created``, answered at ``answered`` (or not yet); due times as
    kefu.tickets.service.create computes them, from the shop's policy (kefu.sla.service.policy)."""

    target = policy.target(kind, priority)
    quick = rules.needs_quick_team(kind, priority, False, "open")  # an urgent complaint: the team has 2 hours
    return {"created": created, "kind": kind, "priority": priority, "answered": answered,
            "response_due": sla.due(policy.calendar, created, target.first_response),
            "resolution_due": sla.due(policy.calendar, created, target.resolution),
            "quick_due": sla.due(policy.calendar, created, sla.QUICK_RESPONSE) if quick else None}


def plan(n: int, span_start: datetime, policy, rng: random.Random) -> list[dict]:
    """``n`` tickets' stories, opened over the ``HISTORY_DAYS`` before the span."""
    zone = policy.calendar.zone
    first_day = (span_start.astimezone(zone) - timedelta(days=HISTORY_DAYS)).date()
    hours, kinds, priorities = range(24), list(KIND_WEIGHTS), list(PRIORITY_WEIGHTS)
    out = []
    while len(out) < n:
        day = first_day + timedelta(days=rng.randrange(HISTORY_DAYS + 1))
        hour = rng.choices(hours, HOUR_WEIGHTS)[0]
        local = datetime(day.year, day.month, day.day, hour, tzinfo=zone) + timedelta(seconds=rng.uniform(0, 3600))
        created = local.astimezone(UTC).replace(microsecond=0)
        if created >= span_start:
            continue
        one = story(created, rng.choices(kinds, KIND_WEIGHTS.values())[0],
                    rng.choices(priorities, PRIORITY_WEIGHTS.values())[0], None, policy)
        if one["response_due"] < span_start and rng.random() < ANSWERED:
            one["answered"] = (created + (one["response_due"] - created) * rng.random()).replace(microsecond=0)
        out.append(one)
    return out


def _arm(pending: dict, rows: list, shop_id: int, ticket_id: int, at: datetime, dues: dict, quick, cal) -> None:
    """What kefu.sla.service.arm does at ``at`` for a ticket whose running clocks fall due at ``dues`` (clock →
    due time, None when stopped or met) and whose quick-response clock at ``quick`` (None: none, or acted on):
    a pending row that fell due before has run; one still pending stays when it is what the clock wants (same due
    time and payload), else it is cancelled and a new one scheduled while its clock runs
    (kefu.core.scheduler.converge)."""

    wanted = [(kind, clock, dues.get(clock)) for clock in CLOCKS for kind in (WARN_TIMER, BREACH_TIMER)]
    for kind, clock, due in [*wanted, (QUICK_TIMER, "quick", quick)]:
        key = f"ticket:{ticket_id}:{clock}"
        payload = {"ticket_id": ticket_id, "due_at": iso(due)} if kind == QUICK_TIMER else \
            {"ticket_id": ticket_id, "clock": clock, "due_at": iso(due)}
        due_at = None if due is None else sla.warn_at(cal, due) if kind == WARN_TIMER else due
        old = pending.pop((kind, key), None)
        if old is not None and old["due_at"] < at:
            old.update(done_at=old["due_at"], outcome="done", attempts=1)
        elif old is not None and (old["due_at"], old["payload"]) == (due_at, payload):
            pending[(kind, key)] = old
            continue
        elif old is not None:
            old.update(done_at=at, outcome="cancelled")
        if due is None:
            continue
        row = {"shop_id": shop_id, "kind": kind, "key": key, "due_at": due_at, "payload": payload, "attempts": 0,
               "done_at": None, "outcome": None, "created_at": at}
        rows.append(row)
        pending[(kind, key)] = row


def rows_of(shop_id: int, ticket_id: int, story: dict, span_start: datetime, cal) -> list[dict]:
    """The timer rows of one ticket's history up to the span, as the tickets service leaves them: armed when
    the ticket is opened by an agent (kefu.tickets.service.create), again when an urgent complaint gets its
    quick-response clock, again at the first reply (the response clock met) and when that reply acts on the
    complaint; a row still pending that fell due before the span has run."""
    created, answered, quick = story["created"], story["answered"], story["quick_due"]
    dues = {CLOCKS[0]: story["response_due"], CLOCKS[1]: story["resolution_due"]}
    pending: dict = {}
    rows: list[dict] = []
    _arm(pending, rows, shop_id, ticket_id, created, dues, None, cal)
    if quick is not None:
        _arm(pending, rows, shop_id, ticket_id, created, dues, quick, cal)
    if answered is not None:
        met = {**dues, CLOCKS[0]: None}
        _arm(pending, rows, shop_id, ticket_id, answered, met, quick, cal)
        if quick is not None:
            _arm(pending, rows, shop_id, ticket_id, answered, met, None, cal)
    for row in pending.values():
        if row["due_at"] < span_start:
            row.update(done_at=row["due_at"], outcome="done", attempts=1)
    return rows


def changes_of(shop_id: int, ticket_id: int, row: dict, story: dict) -> list[dict]:
    """The ticket's audit rows of that history (kefu.tickets.events.audit / set_field)."""

    created, answered, agent = story["created"], story["answered"], row["assignee_id"]
    fields = [(created, "created", row["number"]), (created, "assignee_id", str(agent))]
    if story["quick_due"] is not None:
        fields.append((created, "quick_due_at", iso(story["quick_due"])))
    if answered is not None:
        fields.append((answered, "first_responded_at", iso(answered)))
        if story["quick_due"] is not None:
            fields.append((answered, "quick_acted_at", iso(answered)))
    return [{"shop_id": shop_id, "ticket_id": ticket_id, "at": at, "actor": "agent", "agent_id": agent,
             "field": field, "before": None, "after": after} for at, field, after in fields]


async def _insert(conn, table, rows: list[dict], returning=None) -> list:
    out = []
    for i in range(0, len(rows), CHUNK):
        stmt = insert(table)
        if returning is not None:
            result = await conn.execute(stmt.returning(returning, sort_by_parameter_order=True), rows[i:i + CHUNK])
            out.extend(result.scalars().all())
        else:
            await conn.execute(stmt, rows[i:i + CHUNK])
    return out


async def build(db, n: int, span_start: datetime, seed: int) -> dict:
    """A new shop (``bench-sla-…``) with staff and ``n`` open tickets; returns its id and what was written."""
    rng = random.Random(seed)
    tag = f"{SLUG_PREFIX}{n}-{secrets.token_hex(3)}"
    pw_hash = hash_password(secrets.token_urlsafe(12))  # argon2 once: the staff share one hash
    async with db.transaction() as s:
        shop = await create_shop(s, tag, f"SLA 压测店铺 {n}")
        staff = [Agent(shop_id=shop.id, username=agent_rules.check_username(f"{tag}-{i + 1}"),
                       display_name=f"售后{i + 1}", password_hash=pw_hash, role="supervisor" if i == 0 else "agent",
                       group="售后", skills=[], max_chats=5, presence="offline")
                 for i in range(max(3, min(21, n // 5000)))]
        s.add_all(staff)
        await s.flush()
        agent_ids = [a.id for a in staff[1:]]
        taken = set((await s.scalars(select(Ticket.number))).all())
        pol = await policy(s, shop.id)
    stories = plan(n, span_start, pol, rng)
    tickets = []
    for story, number in zip(stories, numbers(n, taken), strict=True):
        agent_id, title = rng.choice(agent_ids), rng.choice(TITLES)
        quick_acted = story["answered"] if story["quick_due"] is not None else None
        tickets.append({"shop_id": shop.id, "number": number, "kind": story["kind"], "priority": story["priority"],
                        "status": "open", "title": title, "problem": f"买家反映：{title}", "demand": "",
                        "customer_id": None, "conversation_id": None,
                        "order_numbers": [str(rng.randrange(10**17, 10**18))], "tags": [],
                        "assignee_id": agent_id, "created_by_id": agent_id,
                        "created_at": story["created"], "updated_at": story["answered"] or story["created"],
                        "first_response_due_at": story["response_due"], "resolution_due_at": story["resolution_due"],
                        "first_responded_at": story["answered"], "quick_due_at": story["quick_due"],
                        "quick_acted_at": quick_acted})
    timers, changes = [], []
    async with db.engine.begin() as conn:
        ids = await _insert(conn, Ticket.__table__, tickets, Ticket.__table__.c.id)
        for ticket_id, row, story in zip(ids, tickets, stories, strict=True):
            timers.extend(rows_of(shop.id, ticket_id, story, span_start, pol.calendar))
            changes.extend(changes_of(shop.id, ticket_id, row, story))
        await _insert(conn, Timer.__table__, timers)
        await _insert(conn, TicketChange.__table__, changes)
    return {"shop_id": shop.id, "slug": tag, "tickets": n, "timer_rows": len(timers),
            "pending": sum(1 for t in timers if t["done_at"] is None),
            "answered": sum(1 for s in stories if s["answered"] is not None)}


async def analyze(db) -> list[str]:
    """On PostgreSQL, what kefu's statistics keeper (kefu.core.pgstats) does within 15 s of a bulk change where
    autovacuum is off; with autovacuum on, what autovacuum does (ANALYZE of the grown tables). SQLite: nothing
    (kefu runs no ANALYZE there)."""
    if db.is_sqlite:
        return []
    from kefu.core import pgstats

    async with db.engine.connect() as conn:
        if await pgstats.autovacuum_on(conn):
            for name in ("tickets", "timers", "ticket_changes"):
                await conn.exec_driver_sql(f"ANALYZE {name}")
            return ["tickets", "timers", "ticket_changes"]
        names = await pgstats.analyze_stale(conn)
        await conn.commit()
        return names


async def retire(db) -> int:
    """Cancel the pending timers of earlier bench shops (``bench-sla-…``) so they do not fall due in this run;
    their rows stay (a dedicated database is dropped as a whole). Returns how many were cancelled."""
    shops = select(Shop.id).where(Shop.slug.startswith(SLUG_PREFIX)).scalar_subquery()
    async with db.transaction() as s:
        done = await s.execute(update(Timer).where(Timer.shop_id.in_(shops), Timer.done_at.is_(None))
                               .values(done_at=now(), outcome="cancelled"))
    return done.rowcount
