"""Verbs on tickets: open one (from a chat or by hand), move it through the workflow with its SLA clocks,
reply or note, and read them back. Every change leaves an audit row (who, when, field, before → after)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.conversations.models import Conversation, Message
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput, Conflict, KefuError, NotFound
from kefu.customers.models import Customer
from kefu.sla import rules as sla
from kefu.tickets import rules
from kefu.tickets.events import emit
from kefu.tickets.models import LookupCount, Ticket, TicketChange, TicketNote
from kefu.tickets.schemas import CLOCKS, TicketIn, buyer_out, clock_done_at, clock_left, ticket_out

WARN_TIMER, BREACH_TIMER = "sla.warn", "sla.breach"
TRANSCRIPT_LINES = 50
NUMBER_TRIES = 5


def calendar(shop_id: int) -> sla.Calendar:
    """The shop's business calendar (for now every shop has the default: weekdays 9:00-18:00 Beijing time,
    China's public holidays and make-up days)."""
    return sla.Calendar()


def _field(value: str, zh: str, en: str, **kw) -> str:
    try:
        return rules.clean_field(value, zh, en, **kw)
    except ValueError as exc:
        zh_msg, en_msg = exc.args[0]
        raise BadInput(zh_msg, en_msg, code="bad_ticket_field") from None


def _choice(value: str, allowed, zh: str, en: str, code: str) -> str:
    if value not in allowed:
        raise BadInput(f"{zh}无效：{value[:20]}（可选：{'、'.join(allowed)}）",
                       f"Unknown {en} {value[:20]!r} (one of: {', '.join(allowed)})", code=code)
    return value


def _text(value) -> str | None:
    return None if value is None else iso(value) if isinstance(value, datetime) else str(value)


def _audit(s: AsyncSession, t: Ticket, agent: Agent | None, field: str, before, after) -> None:
    s.add(TicketChange(shop_id=t.shop_id, ticket_id=t.id, at=now(), actor="agent" if agent else "system",
                       agent_id=agent.id if agent else None, field=field, before=_text(before), after=_text(after)))


def _set(s: AsyncSession, t: Ticket, agent: Agent | None, field: str, value) -> None:
    before = getattr(t, field)
    if before != value:
        setattr(t, field, value)
        _audit(s, t, agent, field, before, value)


async def _unused_number(s: AsyncSession) -> str:
    for _ in range(NUMBER_TRIES):
        number = rules.new_number()
        if await s.scalar(select(Ticket.id).where(Ticket.number == number)) is None:
            return number
    raise Conflict("工单号生成冲突，请重试", "Could not pick a ticket number; try again", code="ticket_number")


async def _transcript(s: AsyncSession, conv: Conversation) -> list[dict]:
    rows = (await s.scalars(select(Message).where(Message.conversation_id == conv.id, Message.private.is_(False))
                            .order_by(Message.seq.desc()).limit(TRANSCRIPT_LINES))).all()
    return [{"sender": m.sender, "text": m.text, "at": iso(m.created_at)} for m in reversed(rows)]


async def _shop_conversation(s: AsyncSession, agent: Agent, conversation_id: int) -> Conversation:
    conv = await s.get(Conversation, conversation_id)
    if conv is None or conv.shop_id != agent.shop_id:
        raise NotFound("会话不存在", "Conversation not found", code="conversation_not_found")
    return conv


async def draft(s: AsyncSession, agent: Agent, conversation_id: int) -> dict:
    """The ticket a chat proposes (kefu.tickets.rules.draft_from_chat), for the agent to check and save."""
    conv = await _shop_conversation(s, agent, conversation_id)
    rows = (await s.scalars(select(Message).where(Message.conversation_id == conv.id, Message.sender == "buyer")
                            .order_by(Message.seq.desc()).limit(TRANSCRIPT_LINES))).all()[::-1]
    orders = [span["text"] for m in rows for span in ((m.analysis or {}).get("entities") or {}).get("order_numbers", [])
              if isinstance(span, dict) and span.get("text")]
    proposal = rules.draft_from_chat(conv.intent, [m.text for m in rows if m.text != "[图片]"], orders)
    existing = list((await s.scalars(select(Ticket.number).where(Ticket.shop_id == conv.shop_id,
                                                                 Ticket.conversation_id == conv.id)
                                     .order_by(Ticket.id))).all())
    return {**proposal, "conversation_id": conv.id, "customer_id": conv.customer_id, "existing": existing,
            "suggest": rules.suggest_on_close(conv.intent, len(existing))}


async def create(s: AsyncSession, agent: Agent, body: TicketIn) -> Ticket:
    kind = _choice(body.kind, rules.TYPES, "工单类型", "ticket type", "bad_ticket_type")
    priority = _choice(body.priority, rules.PRIORITIES, "优先级", "priority", "bad_priority")
    conv, customer_id = None, body.customer_id
    if body.conversation_id is not None:
        conv = await _shop_conversation(s, agent, body.conversation_id)
        customer_id = conv.customer_id
    if customer_id is not None:
        customer = await s.get(Customer, customer_id)
        if customer is None or customer.shop_id != agent.shop_id:
            raise NotFound("买家不存在", "Buyer not found", code="customer_not_found")
    at = now()
    target = sla.target_for(kind, priority)
    cal = calendar(agent.shop_id)
    t = Ticket(shop_id=agent.shop_id, number=await _unused_number(s), kind=kind, priority=priority, status="open",
               title=_field(body.title, "标题", "Title", required=True, max_chars=200),
               problem=_field(body.problem, "问题描述", "Problem"), demand=_field(body.demand, "诉求", "Demand",
                                                                              max_chars=1000),
               customer_id=customer_id, conversation_id=conv.id if conv else None,
               order_numbers=[_field(o, "订单号", "Order number", required=True, max_chars=64)
                              for o in body.order_numbers],
               tags=[_field(x, "标签", "Tag", required=True, max_chars=32) for x in body.tags],
               created_by_id=agent.id, assignee_id=agent.id, created_at=at, updated_at=at,
               first_response_due_at=sla.due(cal, at, target.first_response),
               resolution_due_at=sla.due(cal, at, target.resolution))
    s.add(t)
    await s.flush()
    _audit(s, t, agent, "created", None, t.number)
    if conv is not None:
        s.add(TicketNote(shop_id=t.shop_id, ticket_id=t.id, author="system", internal=True, created_at=at,
                         text=f"由会话 #{conv.id} 创建",
                         transcript=await _transcript(s, conv)))
    await _arm(s, t)
    await emit(s, "created", t)
    return t


async def get(s: AsyncSession, shop_id: int, number: str) -> Ticket:
    clean = rules.normalize_number(number)
    t = await s.scalar(select(Ticket).where(Ticket.number == clean, Ticket.shop_id == shop_id)) if clean else None
    if t is None:
        raise NotFound("工单不存在", "Ticket not found", code="ticket_not_found")
    return t


def _stop_clocks(s: AsyncSession, t: Ticket, agent: Agent | None, at: datetime) -> None:
    cal = calendar(t.shop_id)
    for clock in CLOCKS:
        due = as_utc(getattr(t, f"{clock}_due_at"))
        if due is not None and clock_done_at(t, clock) is None:
            _set(s, t, agent, f"{clock}_left_s", sla.pause(cal, at, due).total_seconds())
            _set(s, t, agent, f"{clock}_due_at", None)


def _start_clocks(s: AsyncSession, t: Ticket, agent: Agent | None, at: datetime) -> None:
    cal = calendar(t.shop_id)
    for clock in CLOCKS:
        left = clock_left(t, clock)
        if left is not None and clock_done_at(t, clock) is None:
            _set(s, t, agent, f"{clock}_due_at", sla.resume(cal, at, left))
            _set(s, t, agent, f"{clock}_left_s", None)


async def change_status(s: AsyncSession, agent: Agent | None, t: Ticket, status: str) -> Ticket:
    _choice(status, tuple(rules.STATUSES), "工单状态", "ticket status", "bad_ticket_status")
    if not rules.can_move(t.status, status):
        zh, en = rules.LABELS[t.status]
        raise Conflict(f"工单当前为「{zh}」，不能改为「{rules.LABELS[status][0]}」",
                       f"A ticket that is {en.lower()} cannot become {rules.LABELS[status][1].lower()}",
                       code="ticket_status_forbidden")
    at, before = now(), t.status
    if rules.category(status) == "open" and t.resolved_at is not None:  # reopened: the resolution clock
        _set(s, t, agent, "resolved_at", None)  # goes on with the business time it had left
    if rules.clock_runs(t.status) and not rules.clock_runs(status):
        _stop_clocks(s, t, agent, at)
    _set(s, t, agent, "status", status)
    if status == "resolved":
        _set(s, t, agent, "resolved_at", at)
    elif status == "closed":
        _set(s, t, agent, "closed_at", at)
    if rules.clock_runs(status):
        _start_clocks(s, t, agent, at)
    t.updated_at = at
    await _arm(s, t)
    if t.customer_id is not None:  # the buyer's widget follows the status
        await events.record(s, t.shop_id, "ticket.updated", {"number": t.number, "status": status},
                            customer_id=t.customer_id)
    await emit(s, "status", t, {"before": before, "after": status, "agent_id": agent.id if agent else None})
    return t


async def add_note(s: AsyncSession, agent: Agent, t: Ticket, text: str, internal: bool) -> TicketNote:
    """A reply the buyer sees (the first one meets the first-response clock) or an internal note."""
    if t.status == "closed":
        raise Conflict("工单已关闭", "The ticket is closed", code="ticket_closed")
    at = now()
    note = TicketNote(shop_id=t.shop_id, ticket_id=t.id, author="agent", agent_id=agent.id, internal=internal,
                      text=_field(text, "内容", "Text", required=True), created_at=at)
    s.add(note)
    if not internal and t.first_responded_at is None:
        _set(s, t, agent, "first_responded_at", at)
        await _arm(s, t)
    t.updated_at = at
    await s.flush()
    if not internal and t.customer_id is not None:  # the buyer's widget shows it at once
        await events.record(s, t.shop_id, "ticket.replied", {"number": t.number, "text": note.text},
                            customer_id=t.customer_id)
    await emit(s, "noted" if internal else "replied", t, {"note_id": note.id, "text": note.text,
                                                          "agent_id": agent.id})
    return note


# ---------------------------------------------------------------- SLA timers

def _running_due(t: Ticket, clock: str) -> datetime | None:
    """The due time of a clock that is running now (None when stopped, done, or the ticket waits)."""
    due = as_utc(getattr(t, f"{clock}_due_at"))
    return due if due is not None and clock_done_at(t, clock) is None and rules.clock_runs(t.status) else None


async def _arm(s: AsyncSession, t: Ticket) -> None:
    """Each running clock gets a warning timer (2 business hours before its deadline) and a breach timer (at
    it); a stopped or met clock has none. Timers are rows (kefu.core.scheduler), replaced when a due time
    moves."""
    cal = calendar(t.shop_id)
    for clock in CLOCKS:
        due, key = _running_due(t, clock), f"ticket:{t.id}:{clock}"
        for kind in (WARN_TIMER, BREACH_TIMER):
            if due is None:
                await scheduler.cancel(s, kind, key)
                continue
            at = sla.warn_at(cal, due) if kind == WARN_TIMER else due
            await scheduler.schedule(s, t.shop_id, kind, at, key=key,
                                     payload={"ticket_id": t.id, "clock": clock, "due_at": iso(due)})


async def sla_timer_due(s: AsyncSession, ticket_id: int, clock: str, due_at: str, breached: bool) -> None:
    """A warning or breach timer fell due: if that clock still runs toward that deadline, the ticket's owner
    (warning) or the supervisors (breach) are told, through an internal event on the workspace's socket, and
    the history keeps it."""
    t = await s.get(Ticket, ticket_id)
    if t is None or iso(_running_due(t, clock)) != due_at:
        return  # stopped, met or moved since: a newer timer stands for it
    what = "sla_breached" if breached else "sla_warning"
    _audit(s, t, None, what, None, clock)
    await events.record(s, t.shop_id, f"ticket.{what}",
                        {"ticket": ticket_out(t), "clock": clock, "assignee_id": t.assignee_id,
                         "notify": "supervisors" if breached else "assignee"}, private=True)
    await emit(s, what, t, {"clock": clock, "due_at": due_at})


VIEWS = ("mine", "all", "breaching", "breached")


async def list_for(s: AsyncSession, agent: Agent, view: str = "mine", kind: str | None = None,
                   status: str | None = None, limit: int = 200) -> list[Ticket]:
    """An agent's ticket list, nearest deadline first: mine (assigned to me, not closed), all of the shop's
    unclosed tickets, breaching (a running clock due within 2 h) or breached (a running clock past due)."""
    _choice(view, VIEWS, "视图", "view", "bad_ticket_view")
    at = now()
    stmt = select(Ticket).where(Ticket.shop_id == agent.shop_id)
    if status is not None:
        stmt = stmt.where(Ticket.status == _choice(status, tuple(rules.STATUSES), "工单状态", "ticket status",
                                                   "bad_ticket_status"))
    else:
        stmt = stmt.where(Ticket.status != "closed")
    if kind is not None:
        stmt = stmt.where(Ticket.kind == kind)
    if view == "mine":
        stmt = stmt.where(Ticket.assignee_id == agent.id)
    due = Ticket.resolution_due_at
    if view in ("breaching", "breached"):
        response_due = Ticket.first_response_due_at
        pending = Ticket.first_responded_at.is_(None)
        if view == "breached":  # a deadline reached is breached (its breach timer fires at that instant)
            stmt = stmt.where((due <= at) | (pending & (response_due <= at)))
        else:
            soon = at + sla.WARN_BEFORE
            stmt = stmt.where(((due > at) & (due <= soon)) | (pending & (response_due > at) & (response_due <= soon)))
        stmt = stmt.where(Ticket.resolved_at.is_(None))
    return list((await s.scalars(stmt.order_by(due.is_(None), due, Ticket.id).limit(limit))).all())


async def history(s: AsyncSession, t: Ticket) -> dict:
    changes = (await s.scalars(select(TicketChange).where(TicketChange.ticket_id == t.id)
                               .order_by(TicketChange.id))).all()
    notes = (await s.scalars(select(TicketNote).where(TicketNote.ticket_id == t.id).order_by(TicketNote.id))).all()
    return {"changes": [{"at": iso(c.at), "actor": c.actor, "agent_id": c.agent_id, "field": c.field,
                         "before": c.before, "after": c.after} for c in changes],
            "notes": [{"id": n.id, "author": n.author, "agent_id": n.agent_id, "internal": n.internal, "text": n.text,
                       "transcript": n.transcript, "at": iso(n.created_at)} for n in notes]}



BOARD_NEAREST = 10


async def board(s: AsyncSession, shop_id: int) -> dict:
    """The supervisor's SLA board: unclosed tickets by status, breaches now and since the start of today
    (the shop's calendar day), and the tickets nearest to breach."""
    at = now()
    counts = dict((await s.execute(select(Ticket.status, func.count()).where(Ticket.shop_id == shop_id,
                                                                            Ticket.status != "closed")
                                   .group_by(Ticket.status))).all())
    running = (await s.scalars(select(Ticket).where(Ticket.shop_id == shop_id, Ticket.status.in_(
        [k for k in rules.STATUSES if rules.clock_runs(k)])))).all()
    dues = sorted(((due, t) for t in running for due in [_next_due(t)] if due is not None),
                  key=lambda pair: pair[0])
    cal = calendar(shop_id)
    day_start = datetime.combine(at.astimezone(cal.zone).date(), datetime.min.time(), tzinfo=cal.zone)
    today = await s.scalar(select(func.count()).select_from(TicketChange).where(
        TicketChange.shop_id == shop_id, TicketChange.field == "sla_breached",
        TicketChange.at >= day_start.astimezone(UTC)))
    return {"by_status": {k: counts.get(k, 0) for k in rules.STATUSES if k != "closed"},
            "breached_now": sum(1 for due, _ in dues if due <= at), "breaches_today": today or 0,
            "nearest": [ticket_out(t, at) for due, t in dues if due > at][:BOARD_NEAREST]}


def _next_due(t: Ticket) -> datetime | None:
    dues = [d for clock in CLOCKS if (d := _running_due(t, clock)) is not None]
    return min(dues) if dues else None



# ---------------------------------------------------------------- the buyer's side

async def for_buyer(s: AsyncSession, customer: Customer) -> list[dict]:
    """The buyer's own tickets, newest first: status, next step, deadline and the replies they may read."""
    tickets = (await s.scalars(select(Ticket).where(Ticket.shop_id == customer.shop_id,
                                                    Ticket.customer_id == customer.id)
                               .order_by(Ticket.id.desc()).limit(50))).all()
    return [await buyer_view(s, t) for t in tickets]


async def buyer_view(s: AsyncSession, t: Ticket) -> dict:
    notes = (await s.scalars(select(TicketNote).where(TicketNote.ticket_id == t.id,
                                                      TicketNote.internal.is_(False))
                             .order_by(TicketNote.id))).all()
    return buyer_out(t, notes, calendar(t.shop_id))


async def buyer_ticket(s: AsyncSession, customer: Customer, number: str) -> Ticket:
    """A ticket of this buyer's (another buyer's number reads as not found: nothing about it leaks)."""
    t = await get(s, customer.shop_id, number)
    if t.customer_id != customer.id:
        raise NotFound("工单不存在", "Ticket not found", code="ticket_not_found")
    return t


async def buyer_reply(s: AsyncSession, customer: Customer, t: Ticket, text: str) -> Ticket:
    """The buyer adds a message; a ticket waiting on them (or resolved, and they say it is not) goes back to
    the shop with its clocks running again."""
    if t.status == "closed":
        raise Conflict("工单已关闭，如有新问题请重新咨询", "The ticket is closed; start a new chat for a new problem",
                       code="ticket_closed")
    at = now()
    s.add(TicketNote(shop_id=t.shop_id, ticket_id=t.id, author="buyer", internal=False, created_at=at,
                     text=_field(text, "内容", "Text", required=True)))
    _audit(s, t, None, "buyer_message", None, None)
    moved = rules.after_buyer_reply(t.status)
    if moved is not None:
        await change_status(s, None, t, moved)
    t.updated_at = at
    await s.flush()
    await events.record(s, t.shop_id, "ticket.buyer_message", {"ticket": ticket_out(t), "assignee_id": t.assignee_id},
                        private=True)
    await emit(s, "buyer_message", t, {"text": text})
    return t



# ---------------------------------------------------------------- the public status page

class TooManyLookups(KefuError):
    status = 429
    code = "too_many_lookups"
    zh = "查询过于频繁，请 10 分钟后再试"
    en = "Too many lookups: try again in 10 minutes"


async def _count(s: AsyncSession, key: str, limit: int, window: int) -> None:
    """One more attempt under ``key`` in its window (a row shared by every instance); refused past ``limit``."""
    at = now()
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    await s.execute(insert(LookupCount).values(key=key, window_start=at, count=0).on_conflict_do_nothing())
    row = await s.get(LookupCount, key, with_for_update=True, populate_existing=True)
    if as_utc(row.window_start) <= at - timedelta(seconds=window):
        row.window_start, row.count = at, 0
    row.count += 1
    if row.count > limit:
        raise TooManyLookups()


async def lookup(s: AsyncSession, number: str, last4: str, caller: str) -> dict:
    """A ticket's status by its number and the last four digits of the buyer's phone, for anyone. Limited per
    caller address and per ticket number; "no such ticket" and "wrong digits" give the same answer, and the
    answer holds nothing about the buyer."""
    clean = rules.normalize_number(number)
    for kind, key in (("ip", f"ip:{caller}"), ("ticket", f"t:{clean or number.strip().upper()[:16]}")):
        await _count(s, key, *rules.LOOKUP_LIMITS[kind])
    t = await s.scalar(select(Ticket).where(Ticket.number == clean)) if clean else None
    customer = await s.get(Customer, t.customer_id) if t is not None and t.customer_id else None
    if customer is None or not rules.phone_last4_ok(customer.phone, last4):
        return {"found": False}
    view = await buyer_view(s, t)
    return {"found": True, "ticket": {k: view[k] for k in ("number", "title", "kind", "status", "status_label",
                                                           "next_step", "resolution_due_at", "updated_at")}}
