"""Verbs on the error ledger: log a seller-side error against its ticket, record the progress updates the
buyer receives (a public reply on the ticket counts by itself, see handlers.py), change who follows it up and
why it happened, resolve it; remind the owner when an update falls due; the weekly root-cause report.

Lock order, so that a reminder firing while an update is recorded never deadlocks: the timer row first, then
the entry (the scheduler holds the timer while its handler locks the entry; writers move the timer before
they touch the entry)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput, Conflict, NotFound
from kefu.ledger import rules
from kefu.ledger.models import LedgerEntry, LedgerUpdate
from kefu.ledger.schemas import EntryIn, EntryPatch, entry_out
from kefu.sla import service as sla
from kefu.sla.rules import Calendar, neighbours, parse_week
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.rules import clean_field, normalize_number

UPDATE_TIMER = "ledger.update_due"
REMINDER_EVENT = "ticket.ledger_update_due"  # a ticket.* event: the workspace's ticket alerts show it
LIST_LIMIT = 200


def _rule(fn, *args, code: str = "bad_ledger_field"):
    """Call a pure rule; its ValueError((zh, en)) becomes a clear 422."""
    try:
        return fn(*args)
    except ValueError as exc:
        zh, en = exc.args[0]
        raise BadInput(zh, en, code=code) from None


def _description(value: str) -> str:
    return _rule(lambda v: clean_field(v, "失误描述", "Description", required=True,
                                       max_chars=rules.DESCRIPTION_CHARS), value)


async def _owner(s: AsyncSession, shop_id: int, owner_id: int) -> Agent:
    owner = await s.get(Agent, owner_id)
    if owner is None or owner.shop_id != shop_id or not owner.active:
        raise NotFound("负责人不存在或已停用", "No such agent to own this entry", code="ledger_owner_not_found")
    return owner


async def _calendar(s: AsyncSession, shop_id: int) -> Calendar:
    """The shop's business calendar: the one its ticket clocks run on."""
    return await sla.calendar(s, shop_id)


def _timer_key(entry_id: int) -> str:
    return f"ledger:{entry_id}"


async def _arm(s: AsyncSession, e: LedgerEntry, due: datetime | None) -> None:
    """The reminder timer follows the next update's due time; none once resolved. Called before the entry
    itself changes (see the lock order above)."""
    if due is None:
        await scheduler.drop(s, UPDATE_TIMER, _timer_key(e.id))
    else:
        await scheduler.rearm(s, e.shop_id, UPDATE_TIMER, _timer_key(e.id), due, payload={"entry_id": e.id})


async def open_entry(s: AsyncSession, agent: Agent, body: EntryIn) -> LedgerEntry:
    """Log an error against a ticket of the agent's shop; the first progress update is due 2 business hours
    from now. Department and root cause default by kind; the owner defaults to the ticket's assignee."""
    kind = _rule(rules.check_choice, body.kind, tuple(rules.KINDS), "失误类型", "error type", code="bad_ledger_kind")
    t = await tickets.get(s, agent.shop_id, body.ticket)
    same = await s.scalar(select(LedgerEntry.id).where(LedgerEntry.ticket_id == t.id, LedgerEntry.kind == kind,
                                                       LedgerEntry.status == "open"))
    if same is not None:
        zh, en = rules.KINDS[kind]
        raise Conflict(f"工单 {t.number} 已有未解决的「{zh}」失误记录", f"{t.number} already has an open "
                       f"“{en.lower()}” entry", code="ledger_duplicate")
    department, cause = rules.DEFAULTS[kind]
    owner = await _owner(s, agent.shop_id, body.owner_id or t.assignee_id or agent.id)
    at = now()
    e = LedgerEntry(shop_id=agent.shop_id, ticket_id=t.id, kind=kind, owner_id=owner.id,
                    department=_rule(rules.clean_label, body.department or department, "责任部门", "Department"),
                    cause=_rule(rules.clean_label, body.cause or cause, "根因", "Root cause"),
                    description=_description(body.description), status="open", created_by_id=agent.id,
                    created_at=at, updated_at=at, updates=0, missed=0,
                    next_update_due_at=rules.next_update_due(await _calendar(s, agent.shop_id), at))
    s.add(e)
    await s.flush()
    await _arm(s, e, e.next_update_due_at)
    return e


async def get(s: AsyncSession, shop_id: int, entry_id: int, lock: bool = False) -> LedgerEntry:
    e = await s.get(LedgerEntry, entry_id, with_for_update=lock, populate_existing=lock)
    if e is None or e.shop_id != shop_id:
        raise NotFound("失误记录不存在", "Ledger entry not found", code="ledger_not_found")
    return e


async def change(s: AsyncSession, agent: Agent, e: LedgerEntry, body: EntryPatch) -> LedgerEntry:
    """Hand the entry to another agent, or settle its department, root cause or description (often only known
    at the weekly review, so resolved entries may change too)."""
    if body.owner_id is not None:
        e.owner_id = (await _owner(s, agent.shop_id, body.owner_id)).id
    if body.department is not None:
        e.department = _rule(rules.clean_label, body.department, "责任部门", "Department")
    if body.cause is not None:
        e.cause = _rule(rules.clean_label, body.cause, "根因", "Root cause")
    if body.description is not None:
        e.description = _description(body.description)
    e.updated_at = now()
    return e


async def record_update(s: AsyncSession, e: LedgerEntry, via: str, text: str, agent_id: int | None) -> LedgerEntry:
    """The buyer received a progress update (a reply on the ticket, a call …): the next one is due 2 business
    hours from now."""
    if e.status != "open":
        raise Conflict("失误记录已解决，无需再同步进度", "The entry is resolved: no more updates are due",
                       code="ledger_resolved")
    at = now()
    due = rules.next_update_due(await _calendar(s, e.shop_id), at)
    await _arm(s, e, due)
    s.add(LedgerUpdate(shop_id=e.shop_id, entry_id=e.id, via=via, agent_id=agent_id, created_at=at,
                       text=_rule(lambda v: clean_field(v, "同步内容", "Update", required=True,
                                                        max_chars=rules.UPDATE_CHARS), text)))
    e.last_update_at, e.next_update_due_at, e.updated_at = at, due, at
    e.updates = (e.updates or 0) + 1
    return e


async def manual_update(s: AsyncSession, agent: Agent, e: LedgerEntry, via: str, text: str) -> LedgerEntry:
    """An update given outside the ticket (a phone call, a text message …): counts like a reply."""
    _rule(rules.check_choice, via, rules.MANUAL_VIA, "同步方式", "way of updating", code="bad_ledger_via")
    return await record_update(s, e, via, text, agent.id)


async def resolve(s: AsyncSession, agent: Agent, e: LedgerEntry) -> LedgerEntry:
    if e.status == "resolved":
        raise Conflict("失误记录已解决", "The entry is already resolved", code="ledger_resolved")
    await _arm(s, e, None)
    e.status, e.resolved_at, e.resolved_by_id, e.next_update_due_at = "resolved", now(), agent.id, None
    e.updated_at = e.resolved_at
    return e


async def open_on_ticket(s: AsyncSession, ticket_id: int) -> list[LedgerEntry]:
    return list((await s.scalars(select(LedgerEntry).where(LedgerEntry.ticket_id == ticket_id,
                                                           LedgerEntry.status == "open")
                                 .order_by(LedgerEntry.id))).all())


async def update_due(s: AsyncSession, entry_id: int) -> None:
    """The reminder timer fell due: if the entry is still open and its update still due (none came since),
    it counts as missed, turns overdue, and its owner is told on the workspace's socket (private: buyers never
    see it). Runs once per due time."""
    e = await s.get(LedgerEntry, entry_id, with_for_update=True, populate_existing=True)
    if e is None or e.status != "open":
        return
    due = as_utc(e.next_update_due_at)
    if due is None or due > now() or as_utc(e.reminded_due_at) == due:
        return  # moved by an update since, or already reminded
    e.reminded_due_at, e.missed = due, (e.missed or 0) + 1
    out = (await outs(s, [e]))[0]
    await events.record(s, e.shop_id, REMINDER_EVENT, {"ticket": out["ticket"], "entry": out,
                                                       "assignee_id": e.owner_id, "notify": "assignee"},
                        private=True)


# ---------------------------------------------------------------- reading

async def outs(s: AsyncSession, entries: list[LedgerEntry], history: bool = False) -> list[dict]:
    """Entries as the API shows them, with their ticket's number and title and the owner's name."""
    if not entries:
        return []
    tickets_ = {t.id: t for t in (await s.scalars(select(Ticket).where(
        Ticket.id.in_({e.ticket_id for e in entries})))).all()}
    names = dict((await s.execute(select(Agent.id, Agent.display_name).where(
        Agent.id.in_({e.owner_id for e in entries if e.owner_id})))).all())
    updates: dict[int, list[LedgerUpdate]] = {}
    if history:
        for u in (await s.scalars(select(LedgerUpdate).where(LedgerUpdate.entry_id.in_([e.id for e in entries]))
                                  .order_by(LedgerUpdate.id))).all():
            updates.setdefault(u.entry_id, []).append(u)
    at = now()
    return [entry_out(e, tickets_[e.ticket_id].number, tickets_[e.ticket_id].title, names.get(e.owner_id),
                      updates.get(e.id, []) if history else None, at) for e in entries]


async def list_for(s: AsyncSession, agent: Agent, view: str = "open", ticket: str | None = None) -> list[LedgerEntry]:
    """The shop's entries: open ones by next due time (so the overdue come first), only the overdue, or all
    (open first, then resolved, newest first); ``ticket`` narrows to one ticket's."""
    _rule(rules.check_choice, view, rules.VIEWS, "视图", "view", code="bad_ledger_view")
    stmt = select(LedgerEntry).where(LedgerEntry.shop_id == agent.shop_id)
    if ticket is not None:
        t = await s.scalar(select(Ticket.id).where(Ticket.shop_id == agent.shop_id,
                                                    Ticket.number == (normalize_number(ticket) or "")))
        stmt = stmt.where(LedgerEntry.ticket_id == (t or 0))
    if view != "all":
        stmt = stmt.where(LedgerEntry.status == "open")
    if view == "overdue":
        stmt = stmt.where(LedgerEntry.next_update_due_at <= now())
    resolved_last = case((LedgerEntry.status == "resolved", 1), else_=0)
    stmt = stmt.order_by(resolved_last, LedgerEntry.next_update_due_at, LedgerEntry.id.desc()).limit(LIST_LIMIT)
    return list((await s.scalars(stmt)).all())


async def weekly_report(s: AsyncSession, shop_id: int, week: str | None = None) -> dict:
    """The entries opened in an ISO week (the shop's time zone; default: the last complete one, as the weekly
    ticket review; a week not started yet is refused) by root cause, by department and by kind, with counts and
    examples."""
    cal, at = await _calendar(s, shop_id), now()
    wk = _rule(parse_week, week, at, cal, code="bad_week")
    rows = (await s.execute(select(LedgerEntry, Ticket.number).join(Ticket, Ticket.id == LedgerEntry.ticket_id)
                            .where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at >= wk.start,
                                   LedgerEntry.created_at < wk.end).order_by(LedgerEntry.id))).all()
    report = rules.weekly_report([rules.ReportRow(number=n, kind=e.kind, department=e.department, cause=e.cause,
                                                  description=e.description, resolved=e.status == "resolved",
                                                  missed=e.missed or 0) for e, n in rows])
    (first, last), (previous, nxt) = wk.days, neighbours(wk, at, cal)
    return {"week": wk.id, "start": iso(wk.start), "end": iso(wk.end), "first_day": first.isoformat(),
            "last_day": last.isoformat(), "previous": previous, "next": nxt, **report}
