"""The buyer's own side of their cases: the tickets they can follow in the widget (status, next step,
deadline, replies), adding a message to one, leaving a message (留言) that becomes a ticket when nobody is
online or they prefer it, and the public status page that finds a ticket by its number and the last four
digits of the buyer's phone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.attachments import service as attachments
from kefu.conversations.models import Conversation
from kefu.core import events
from kefu.core.clock import as_utc, now
from kefu.core.errors import Conflict, KefuError, NotFound
from kefu.customers.models import Customer
from kefu.nlu import service as nlu
from kefu.notifications.rules import check_email
from kefu.selfservice.models import LookupCount
from kefu.selfservice.schemas import BuyerTicketIn
from kefu.sla import service as clocks
from kefu.tickets import rules
from kefu.tickets.events import audit, emit
from kefu.tickets.models import Ticket, TicketNote
from kefu.tickets.schemas import TicketIn, buyer_out, ticket_out
from kefu.tickets.service import change_status, field_text, get, note_text, open_for_buyer


async def buyer_create(s: AsyncSession, customer: Customer, body: BuyerTicketIn) -> Ticket:
    """The buyer leaves a message (留言) from the widget — when nobody is online or they prefer it: it becomes a
    ticket the buyer follows under 我的工单, owned by whom routing's rules pick."""
    email = check_email(body.email) if body.email.strip() else None  # a bad address: refused before anything
    conv = await s.get(Conversation, body.conversation_id) if body.conversation_id else None
    if conv is not None and (conv.shop_id != customer.shop_id or conv.customer_id != customer.id):
        conv = None  # not theirs: never attach another buyer's chat
    problem = field_text(body.problem, "问题描述", "Problem", required=True)
    # What the buyer wrote says what kind of ticket it is, what they ask for and which orders, as a chat would.
    found = nlu.essentials(problem)
    orders = [e["text"] for e in found["entities"].get("order_numbers", []) if isinstance(e, dict) and e.get("text")]
    proposal = rules.draft_from_chat(found["intent"]["label"], problem.splitlines(), orders)
    fields = TicketIn(kind=body.kind or proposal["kind"], title=rules.buyer_title(problem), problem=problem,
                      demand=body.demand or proposal["demand"],
                      order_numbers=list(dict.fromkeys([*body.order_numbers, *proposal["order_numbers"]]))[:20])
    if email is not None:  # replies and the resolution are mailed there when the shop has SMTP set
        customer.email = email
    return await open_for_buyer(s, customer.shop_id, customer.id, fields, conv)


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
    images = await attachments.for_ticket_notes(s, [n.id for n in notes])
    return buyer_out(t, notes, await clocks.calendar(s, t.shop_id), images)


async def buyer_ticket(s: AsyncSession, customer: Customer, number: str) -> Ticket:
    """A ticket of this buyer's (another buyer's number reads as not found: nothing about it leaks)."""
    t = await get(s, customer.shop_id, number)
    if t.customer_id != customer.id:
        raise NotFound("工单不存在", "Ticket not found", code="ticket_not_found")
    return t


async def buyer_reply(s: AsyncSession, customer: Customer, t: Ticket, text: str,
                      images: list[str] = ()) -> Ticket:
    """The buyer adds a message, with photos they uploaded (``images``: attachment keys; a bad one refuses the
    whole message); a ticket waiting on them (or resolved, and they say it is not) goes back to the shop with
    its clocks running again."""
    if t.status == "closed":
        raise Conflict("工单已关闭，如有新问题请重新咨询", "The ticket is closed; start a new chat for a new problem",
                       code="ticket_closed")
    at = now()
    note = TicketNote(shop_id=t.shop_id, ticket_id=t.id, author="buyer", internal=False, created_at=at,
                      text=note_text(text, images))
    s.add(note)
    if images:
        await s.flush()  # the id the photos link to
        await attachments.claim_for_ticket_note(s, note, list(images), customer=customer)
    audit(s, t, None, "buyer_message", None, None)
    moved = rules.after_buyer_reply(t.status)
    if moved is not None:
        await change_status(s, None, t, moved)
    t.updated_at = at
    await s.flush()
    await events.record(s, t.shop_id, "ticket.buyer_message", {"ticket": ticket_out(t), "assignee_id": t.assignee_id},
                        private=True)
    await emit(s, "buyer_message", t, {"text": note.text})
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
