"""Verbs on buyers' personal information: reveal a masked field (audited), the shop's retention rule and its
nightly pass (with a dry run), a buyer's data export and their erasure (audited admin actions).

Whatever takes a buyer's words keeps the rows they sit in — a message keeps its sequence, sender and time, a
conversation its status, times, agent, intent and mood, a ticket its SLA clock — so the shop's statistics
read the same before and after. Orders are left whole: the e-commerce law (电子商务法 第三十一条) has a shop
keep its transaction records for three years."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.aftersales.models import AftersaleCase, CaseChange
from kefu.agents.models import Agent
from kefu.attachments import service as attachments
from kefu.attachments.models import Attachment
from kefu.audit import service as audit
from kefu.complaints.models import BuyerFlag, FollowUp
from kefu.conversations.models import Conversation, Message
from kefu.core import scheduler
from kefu.core.clock import iso, now
from kefu.core.errors import Conflict, NotFound
from kefu.core.events import Event
from kefu.customers.models import Customer
from kefu.customers.service import get_customer
from kefu.knowledge.models import BotLog
from kefu.orders.models import Order
from kefu.privacy import rules
from kefu.privacy.models import PrivacySettings
from kefu.shops.models import Shop
from kefu.tickets.models import Ticket, TicketChange, TicketNote

RETENTION_TIMER = "privacy.retention"


# --- reveal ----------------------------------------------------------------------------------------------

async def reveal_message(s: AsyncSession, agent: Agent, conversation_id: int, message_id: int) -> dict:
    """A chat line's words as written, for staff who may read the chat; the reveal is logged."""
    from kefu.conversations.service import get_conversation

    conv = await get_conversation(s, agent.shop_id, conversation_id)
    msg = await s.get(Message, message_id)
    if msg is None or msg.conversation_id != conv.id:
        raise NotFound("消息不存在", "Message not found", code="message_not_found")
    await audit.record(s, agent.shop_id, agent, "pii.revealed", f"conversation:{conv.id}",
                       {"field": "message", "message_id": msg.id, "seq": msg.seq})
    return {"id": msg.id, "text": msg.text}


async def reveal_customer(s: AsyncSession, agent: Agent, customer_id: int) -> dict:
    customer = await get_customer(s, agent.shop_id, customer_id)
    await audit.record(s, agent.shop_id, agent, "pii.revealed", f"customer:{customer.id}",
                       {"field": "profile"})
    return {"id": customer.id, "phone": customer.phone, "email": customer.email}


async def record_order_reveal(s: AsyncSession, agent: Agent, number: str, conversation_id: int) -> None:
    await audit.record(s, agent.shop_id, agent, "pii.revealed", f"order:{number}",
                       {"field": "order", "conversation_id": conversation_id})


# --- retention -------------------------------------------------------------------------------------------

async def settings_of(s: AsyncSession, shop_id: int) -> PrivacySettings:
    found = await s.get(PrivacySettings, shop_id)
    return found or PrivacySettings(shop_id=shop_id, retention_days=None, retention_mode="anonymise")


def settings_out(p: PrivacySettings) -> dict:
    return {"retention_days": p.retention_days, "retention_mode": p.retention_mode or "anonymise",
            "last_run_at": iso(p.last_run_at), "last_run": p.last_run,
            "min_days": rules.MIN_DAYS, "max_days": rules.MAX_DAYS, "modes": list(rules.MODES)}


async def save_retention(s: AsyncSession, agent: Agent, days, mode) -> dict:
    days, mode = rules.check_retention(days, mode)
    p = await s.get(PrivacySettings, agent.shop_id, with_for_update=True)
    before = {"retention_days": p.retention_days, "retention_mode": p.retention_mode} if p else {}
    if p is None:
        p = PrivacySettings(shop_id=agent.shop_id)
        s.add(p)
    p.retention_days, p.retention_mode = days, mode
    await audit.record(s, agent.shop_id, agent, "settings.retention", "privacy",
                       audit.changes(before, {"retention_days": days, "retention_mode": mode}))
    key = f"retention:{agent.shop_id}"
    if days is None:
        await scheduler.cancel(s, RETENTION_TIMER, key)
    else:
        await scheduler.schedule(s, agent.shop_id, RETENTION_TIMER, rules.next_run(now()), key=key)
    await s.flush()
    return settings_out(p)


def _due(shop_id: int, days: int):
    c = Conversation
    return (c.shop_id == shop_id, c.status == "closed", c.redacted_at.is_(None),
            c.closed_at < rules.cutoff(now(), days))


async def preview(s: AsyncSession, shop_id: int) -> dict:
    """The dry run: what the rule as saved would take tonight, touching nothing."""
    p = await settings_of(s, shop_id)
    out = {"retention_days": p.retention_days, "retention_mode": p.retention_mode, "conversations": 0,
           "messages": 0, "images": 0, "oldest_closed_at": None}
    if p.retention_days is None:
        return out
    due = select(Conversation.id).where(*_due(shop_id, p.retention_days))
    count, oldest = (await s.execute(select(func.count(), func.min(Conversation.closed_at))
                                     .where(*_due(shop_id, p.retention_days)))).one()
    out["conversations"], out["oldest_closed_at"] = count, iso(oldest)
    out["messages"] = await s.scalar(select(func.count()).select_from(Message)
                                     .where(Message.conversation_id.in_(due))) or 0
    out["images"] = await s.scalar(select(func.count()).select_from(Attachment).join(
        Message, Message.id == Attachment.message_id).where(Message.conversation_id.in_(due))) or 0
    return out


async def run_retention(s: AsyncSession, shop_id: int, agent: Agent | None = None) -> dict:
    """One pass of the shop's rule over at most RUN_BATCH conversations (locked in id order, like every writer
    that locks several: docs/architecture.md); ``more`` says whether some remain."""
    p = await settings_of(s, shop_id)
    if p.retention_days is None:
        return {"conversations": 0, "messages": 0, "images": 0, "more": False}
    convs = list(await s.scalars(select(Conversation).where(*_due(shop_id, p.retention_days))
                                 .order_by(Conversation.id).limit(rules.RUN_BATCH + 1)
                                 .with_for_update()))
    more = len(convs) > rules.RUN_BATCH
    done = await redact_conversations(s, convs[:rules.RUN_BATCH], p.retention_mode)
    summary = {**done, "mode": p.retention_mode, "days": p.retention_days, "more": more}
    if done["conversations"]:  # p is the stored row: a rule with days exists only once saved
        p.last_run_at, p.last_run = now(), summary
    if done["conversations"] or agent is not None:
        await audit.record(s, shop_id, agent, "retention.run", "privacy", summary)
    return summary


async def redact_conversations(s: AsyncSession, convs: list[Conversation], mode: str) -> dict:
    """Take the words of these conversations (their messages, previews and events) and delete their images."""
    if not convs:
        return {"conversations": 0, "messages": 0, "images": 0}
    ids = [c.id for c in convs]
    at = now()
    for c in convs:
        c.last_preview = rules.redacted_text(c.last_preview or "", mode)
        c.buyer_context, c.redacted_at = [], at
    messages = list(await s.scalars(select(Message).where(Message.conversation_id.in_(ids))))
    for m in messages:
        m.text = rules.redacted_text(m.text, mode)
        m.analysis = rules.redacted_analysis(m.analysis, mode)
        m.attachment = None
    images = list(await s.scalars(select(Attachment).where(Attachment.message_id.in_([m.id for m in messages]))))
    for att in images:
        await attachments.remove(s, att)
    shop_id = convs[0].shop_id
    for log in await s.scalars(select(BotLog).where(BotLog.shop_id == shop_id, BotLog.conversation_id.in_(ids))):
        log.query = rules.redacted_text(log.query, mode)  # the buyer's question the bot answered
    for ev in await s.scalars(select(Event).where(Event.conversation_id.in_(ids))):  # ix_events_conversation
        ev.payload = rules.redacted_event(ev.payload or {}, mode)
    await s.flush()
    return {"conversations": len(convs), "messages": len(messages), "images": len(images)}


# --- a buyer's rights ------------------------------------------------------------------------------------

async def find_buyers(s: AsyncSession, shop_id: int, q: str, limit: int = 20) -> list[dict]:
    """Buyers by number (#12 or 12), name, phone, visitor id or an order number of theirs."""
    q = q.strip()
    if not q:
        return []
    c = Customer
    cond = [c.display_name.contains(q), c.phone == q, c.visitor_id == q]
    digits = q.lstrip("#")
    if digits.isdigit() and len(digits) <= 9:
        cond.append(c.id == int(digits))
    cond.append(c.id.in_(select(Order.customer_id).where(Order.shop_id == shop_id, Order.number == q)))
    rows = await s.scalars(select(c).where(c.shop_id == shop_id, or_(*cond)).order_by(c.id.desc()).limit(limit))
    out = []
    for cu in rows:
        count = await s.scalar(select(func.count()).select_from(Conversation).where(Conversation.customer_id == cu.id))
        out.append({"id": cu.id, "display_name": cu.display_name, "phone": rules.mask_phone(cu.phone),
                    "since": iso(cu.created_at), "conversations": count, "erased_at": iso(cu.erased_at)})
    return out


async def _buyer(s: AsyncSession, shop_id: int, customer_id: int) -> Customer:
    customer = await s.get(Customer, customer_id, with_for_update=True)
    if customer is None or customer.shop_id != shop_id:
        raise NotFound("顾客不存在", "Customer not found", code="customer_not_found")
    return customer


async def export_buyer(s: AsyncSession, agent: Agent, customer_id: int) -> dict:
    """Everything the shop holds about one buyer, their own words unmasked (it is their copy)."""
    cu = await _buyer(s, agent.shop_id, customer_id)
    shop = await s.get(Shop, agent.shop_id)
    convs = []
    for c in await s.scalars(select(Conversation).where(Conversation.customer_id == cu.id).order_by(Conversation.id)):
        lines = await s.scalars(select(Message).where(Message.conversation_id == c.id, Message.private.is_(False))
                                .order_by(Message.seq))
        convs.append({"id": c.id, "status": c.status, "channel": c.channel, "started_at": iso(c.created_at),
                      "closed_at": iso(c.closed_at), "messages": [
                          {"seq": m.seq, "from": m.sender, "text": m.text, "at": iso(m.created_at),
                           **({"image": m.attachment.get("id")} if m.attachment else {})} for m in lines]})
    tickets = [{"number": t.number, "kind": t.kind, "status": t.status, "title": t.title, "problem": t.problem,
                "demand": t.demand, "created_at": iso(t.created_at), "closed_at": iso(t.closed_at)}
               for t in await s.scalars(select(Ticket).where(Ticket.shop_id == agent.shop_id,
                                                             Ticket.customer_id == cu.id).order_by(Ticket.id))]
    cases = [{"number": a.number, "kind": a.kind, "status": a.status, "reason": a.reason,
              "description": a.description, "order_number": a.order_number, "refund_fen": a.refund_fen,
              "created_at": iso(a.created_at), "closed_at": iso(a.closed_at)}
             for a in await s.scalars(select(AftersaleCase).where(AftersaleCase.shop_id == agent.shop_id,
                                                                  AftersaleCase.customer_id == cu.id))]
    orders = [{"number": o.number, "status": o.status, "total_fen": o.total_fen, "items": o.items,
               "buyer_name": o.buyer_name, "buyer_phone": o.buyer_phone, "address": o.address,
               "placed_at": iso(o.placed_at)}
              for o in await s.scalars(select(Order).where(Order.shop_id == agent.shop_id, Order.customer_id == cu.id))]
    profile = {"id": cu.id, "display_name": cu.display_name, "phone": cu.phone, "email": cu.email,
               "vip_level": cu.vip_level, "since": iso(cu.created_at), "erased_at": iso(cu.erased_at)}
    doc = rules.export_document({"slug": shop.slug, "name": shop.name}, profile, convs, tickets, cases, orders, now())
    await audit.record(s, agent.shop_id, agent, "buyer.exported", f"customer:{cu.id}",
                       {"conversations": len(convs), "tickets": len(tickets), "cases": len(cases)})
    return doc


async def erase_buyer(s: AsyncSession, agent: Agent, customer_id: int, reason: str) -> dict:
    """Forget a buyer: their profile emptied (their visitor token stops working), the words and images of all
    their conversations deleted, their tickets' and after-sale cases' texts deleted and colleagues' notes about
    them masked. Refused while one of their conversations is still open (close it first)."""
    cu = await _buyer(s, agent.shop_id, customer_id)
    convs = list(await s.scalars(select(Conversation).where(Conversation.customer_id == cu.id)
                                 .order_by(Conversation.id).with_for_update()))
    if any(c.status != "closed" for c in convs):
        raise Conflict("该买家还有进行中的会话，请先结束会话再删除其个人信息",
                       "This buyer still has an open conversation: close it before erasing their data",
                       code="buyer_has_open_chat")
    done = await redact_conversations(s, convs, "delete")
    tickets = await _erase_tickets(s, agent.shop_id, cu.id)
    cases = await _erase_cases(s, agent.shop_id, cu.id)
    flags = select(BuyerFlag).where(BuyerFlag.shop_id == agent.shop_id, BuyerFlag.customer_id == cu.id)
    for f in await s.scalars(flags):
        f.note = rules.mask_text(f.note) or ""
    for att in await s.scalars(select(Attachment).where(Attachment.customer_id == cu.id)):
        await attachments.remove(s, att)
        done["images"] += 1
    cu.display_name, cu.phone, cu.email, cu.tags = rules.ERASED_NAME, None, None, []
    cu.visitor_id, cu.erased_at = f"erased-{cu.id}", now()
    summary = {**done, "tickets": tickets, "cases": cases}
    await audit.record(s, agent.shop_id, agent, "buyer.erased", f"customer:{cu.id}", {**summary, "reason": reason})
    await s.flush()
    return summary


async def _erase_tickets(s: AsyncSession, shop_id: int, customer_id: int) -> int:
    tickets = list(await s.scalars(select(Ticket).where(Ticket.shop_id == shop_id, Ticket.customer_id == customer_id)))
    ids = [t.id for t in tickets]
    for t in tickets:
        t.title, t.problem, t.demand = f"[{rules.ERASED_NAME}]", "", ""
    for n in await s.scalars(select(TicketNote).where(TicketNote.ticket_id.in_(ids))):
        n.text = rules.mask_text(n.text) if n.internal else ""
        if n.transcript:
            n.transcript = [{**line, "text": ""} if isinstance(line, dict) else line for line in n.transcript]
    for ch in await s.scalars(select(TicketChange).where(TicketChange.ticket_id.in_(ids))):
        ch.before, ch.after = rules.mask_text(ch.before), rules.mask_text(ch.after)
    return len(tickets)


async def _erase_cases(s: AsyncSession, shop_id: int, customer_id: int) -> int:
    cases = list(await s.scalars(select(AftersaleCase).where(AftersaleCase.shop_id == shop_id,
                                                             AftersaleCase.customer_id == customer_id)))
    ids = [a.id for a in cases]
    for a in cases:
        a.description = ""  # its order facts (number, amounts, items) hold nothing personal
    for ch in await s.scalars(select(CaseChange).where(CaseChange.case_id.in_(ids))):
        ch.before, ch.after = rules.mask_text(ch.before), rules.mask_text(ch.after)
    for f in await s.scalars(select(FollowUp).where(FollowUp.case_id.in_(ids))):
        f.note = rules.mask_text(f.note) or ""
    return len(cases)
