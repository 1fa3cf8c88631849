"""Verbs on tickets: open one (from a chat or by hand), move it through the workflow with its SLA clocks,
reply or note, and read them back. Every change leaves an audit row (who, when, field, before → after)."""

from __future__ import annotations

import json

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.agents.rules import SUPERVISE_ROLES
from kefu.attachments import service as attachments
from kefu.attachments.rules import IMAGE_PLACEHOLDER
from kefu.conversations.models import Conversation, Message
from kefu.core import events
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput, Conflict, Forbidden, NotFound
from kefu.customers.models import Customer
from kefu.privacy.rules import masked_lines
from kefu.routing.rules import Waiting
from kefu.routing.service import ticket_assignee
from kefu.sla import rules as sla
from kefu.sla import service as clocks
from kefu.tickets import rules
from kefu.tickets.events import audit, emit, set_field
from kefu.tickets.models import Ticket, TicketChange, TicketNote
from kefu.tickets.schemas import TicketIn, TicketPatch, ticket_out

TRANSCRIPT_LINES = 50
NUMBER_TRIES = 5


def field_text(value: str, zh: str, en: str, **kw) -> str:
    try:
        return rules.clean_field(value, zh, en, **kw)
    except ValueError as exc:
        zh_msg, en_msg = exc.args[0]
        raise BadInput(zh_msg, en_msg, code="bad_ticket_field") from None


def note_text(text: str, images: list[str]) -> str:
    """A note's or the buyer's message's text: required, unless it carries images (then it may be left empty and
    reads "[图片]", as an image in chat does)."""
    clean = field_text(text, "内容", "Text")
    if clean:
        return clean
    if images:
        return IMAGE_PLACEHOLDER
    raise BadInput("请填写内容或添加图片", "Write a message or add a photo", code="bad_ticket_field")


def _choice(value: str, allowed, zh: str, en: str, code: str) -> str:
    if value not in allowed:
        raise BadInput(f"{zh}无效：{value[:20]}（可选：{'、'.join(allowed)}）",
                       f"Unknown {en} {value[:20]!r} (one of: {', '.join(allowed)})", code=code)
    return value


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


async def _kind(s: AsyncSession, shop_id: int, kind: str, pol: sla.Policy | None = None) -> str:
    pol = pol or await clocks.policy(s, shop_id)
    return _choice(kind, (*rules.TYPES, *pol.types), "工单类型", "ticket type", "bad_ticket_type")


async def create(s: AsyncSession, agent: Agent, body: TicketIn) -> Ticket:
    """A ticket opened by an agent: from a chat (its transcript attached), or by hand for a buyer or none.
    The agent owns it unless they ask routing to pick the owner (``auto_assign``) or name a colleague."""
    conv, customer_id = None, body.customer_id
    if body.conversation_id is not None:
        conv = await _shop_conversation(s, agent, body.conversation_id)
        customer_id = conv.customer_id
    if customer_id is not None:
        customer = await s.get(Customer, customer_id)
        if customer is None or customer.shop_id != agent.shop_id:
            raise NotFound("买家不存在", "Buyer not found", code="customer_not_found")
    t = await open_ticket(s, agent.shop_id, agent, body, customer_id, conv)
    if body.assignee_id is not None:
        await assign(s, agent, t, body.assignee_id)
    elif body.auto_assign:
        await _auto_assign(s, t, agent)
    else:
        set_field(s, t, agent, "assignee_id", agent.id)
    await _quick_team(s, t, agent)
    await emit(s, "created", t)
    return t


async def open_for_buyer(s: AsyncSession, shop_id: int, customer_id: int, body: TicketIn,
                         conv: Conversation | None) -> Ticket:
    """A ticket the buyer opened themselves (the widget's 留言): routing's rules pick its owner."""
    t = await open_ticket(s, shop_id, None, body, customer_id, conv)
    await _auto_assign(s, t, None)
    await _quick_team(s, t, None)
    await emit(s, "created", t)
    return t


async def open_ticket(s: AsyncSession, shop_id: int, agent: Agent | None, body: TicketIn, customer_id: int | None,
                conv: Conversation | None) -> Ticket:
    pol = await clocks.policy(s, shop_id)
    kind = await _kind(s, shop_id, body.kind, pol)
    priority = _choice(body.priority, rules.PRIORITIES, "优先级", "priority", "bad_priority")
    at, target = now(), pol.target(kind, priority)
    t = Ticket(shop_id=shop_id, number=await _unused_number(s), kind=kind, priority=priority, status="open",
               title=field_text(body.title, "标题", "Title", required=True, max_chars=200),
               problem=field_text(body.problem, "问题描述", "Problem"), demand=field_text(body.demand, "诉求", "Demand",
                                                                              max_chars=1000),
               customer_id=customer_id, conversation_id=conv.id if conv else None,
               order_numbers=[field_text(o, "订单号", "Order number", required=True, max_chars=64)
                              for o in body.order_numbers],
               tags=[field_text(x, "标签", "Tag", required=True, max_chars=32) for x in body.tags],
               created_by_id=agent.id if agent else None, created_at=at, updated_at=at,
               first_response_due_at=sla.due(pol.calendar, at, target.first_response),
               resolution_due_at=sla.due(pol.calendar, at, target.resolution))
    s.add(t)
    await s.flush()
    audit(s, t, agent, "created", None, t.number)
    if conv is not None:
        s.add(TicketNote(shop_id=t.shop_id, ticket_id=t.id, author="system", internal=True, created_at=at,
                         text=f"由会话 #{conv.id} 创建", transcript=await _transcript(s, conv)))
    await clocks.arm(s, t, pol)
    return t


# ---------------------------------------------------------------- owners, escalation, merging

async def _waiting(s: AsyncSession, t: Ticket) -> Waiting:
    """The ticket as routing's rules see a buyer: its type's team, the chat's intent, a tag naming a skill, and
    the agent who served the chat."""
    conv = await s.get(Conversation, t.conversation_id) if t.conversation_id else None
    return Waiting(id=t.id, waiting_since=as_utc(t.created_at), intent=conv.intent if conv else None,
                   group=rules.TYPE_GROUP.get(t.kind), skill=(t.tags or [None])[0],
                   previous_agent_id=conv.assignee_id if conv else None,
                   previous_agent_at=as_utc(conv.last_message_at or conv.created_at) if conv else None)


async def _auto_assign(s: AsyncSession, t: Ticket, by: Agent | None) -> None:
    picked = await ticket_assignee(s, t.shop_id, await _waiting(s, t))
    if picked is not None:
        await _hand_to(s, t, by, picked)


async def _hand_to(s: AsyncSession, t: Ticket, by: Agent | None, assignee_id: int | None) -> None:
    before = t.assignee_id
    if before == assignee_id:
        return
    set_field(s, t, by, "assignee_id", assignee_id)
    t.updated_at = now()
    await events.record(s, t.shop_id, "ticket.assigned", {"ticket": ticket_out(t), "assignee_id": assignee_id,
                                                          "notify": "assignee"}, private=True)
    await emit(s, "assigned", t, {"before": before, "after": assignee_id, "agent_id": by.id if by else None})


async def assign(s: AsyncSession, agent: Agent, t: Ticket, assignee_id: int | None) -> Ticket:
    """Hand a ticket to a colleague (None: routing's rules pick one). Supervisors and admins may move any
    ticket; an agent their own or an unowned one."""
    if agent.role not in SUPERVISE_ROLES and t.assignee_id not in (None, agent.id):
        raise Forbidden("只能转派自己负责的工单，请联系主管",
                        "Only your own tickets can be reassigned; ask a supervisor", code="ticket_not_yours")
    if assignee_id is None:
        picked = await ticket_assignee(s, t.shop_id, await _waiting(s, t), exclude=t.assignee_id)
        if picked is None:
            raise Conflict("没有可接手的客服", "Nobody can take this ticket", code="no_assignee")
        assignee_id = picked
    colleague = await s.get(Agent, assignee_id)
    if colleague is None or colleague.shop_id != t.shop_id or not colleague.active:
        raise NotFound("客服不存在或已停用", "No such active agent in this shop", code="agent_not_found")
    await _hand_to(s, t, agent, assignee_id)
    return t


async def update(s: AsyncSession, agent: Agent, t: Ticket, body: TicketPatch) -> Ticket:
    """Change type, priority, title, demand or tags; a new type or priority moves the SLA clocks (the business
    time already used is kept)."""
    if t.status == "closed":
        raise Conflict("工单已关闭", "The ticket is closed", code="ticket_closed")
    pol = await clocks.policy(s, t.shop_id)
    old_kind, old_priority = t.kind, t.priority
    if body.kind is not None:
        set_field(s, t, agent, "kind", await _kind(s, t.shop_id, body.kind, pol))
    if body.priority is not None:
        set_field(s, t, agent, "priority", _choice(body.priority, rules.PRIORITIES, "优先级", "priority",
                                                   "bad_priority"))
    if body.title is not None:
        set_field(s, t, agent, "title", field_text(body.title, "标题", "Title", required=True, max_chars=200))
    if body.demand is not None:
        set_field(s, t, agent, "demand", field_text(body.demand, "诉求", "Demand", max_chars=1000))
    if body.tags is not None:
        set_field(s, t, agent, "tags", [field_text(x, "标签", "Tag", required=True, max_chars=32) for x in body.tags])
    if (t.kind, t.priority) != (old_kind, old_priority):
        await clocks.retarget(s, t, agent, pol, pol, old_kind, old_priority)
    await _acted(s, t, agent)
    await _quick_team(s, t, agent)
    t.updated_at = now()
    return t


async def escalate(s: AsyncSession, agent: Agent, t: Ticket) -> Ticket:
    """Escalate a ticket (the buyer threatens a platform complaint, the case is beyond the agent): a
    complaint goes to the quick-response team."""
    if t.status == "closed" or t.escalated_at is not None:
        raise Conflict("工单已关闭或已升级", "The ticket is closed or already escalated", code="ticket_escalated")
    set_field(s, t, agent, "escalated_at", now())
    await emit(s, "escalated", t, {"agent_id": agent.id})
    await _quick_team(s, t, agent)
    return t


async def _quick_team(s: AsyncSession, t: Ticket, by: Agent | None) -> None:
    """An urgent or escalated complaint: a member of the shop's quick-response team owns it and must act
    within 2 business hours, else the supervisors are alerted (kefu.sla.jobs)."""
    if not rules.needs_quick_team(t.kind, t.priority, t.escalated_at is not None, t.status) or t.quick_due_at:
        return
    pol = await clocks.policy(s, t.shop_id)
    set_field(s, t, by, "quick_due_at", sla.due(pol.calendar, now(), sla.QUICK_RESPONSE))
    if pol.quick_team:
        member = await ticket_assignee(s, t.shop_id, await _waiting(s, t), only=pol.quick_team)
        if member is not None:
            await _hand_to(s, t, by, member)
    await clocks.arm(s, t, pol)


async def _acted(s: AsyncSession, t: Ticket, agent: Agent | None) -> None:
    if agent is not None and t.quick_due_at is not None and t.quick_acted_at is None:
        set_field(s, t, agent, "quick_acted_at", now())
        await clocks.arm(s, t)


async def merge(s: AsyncSession, agent: Agent, t: Ticket, into_number: str) -> Ticket:
    """Merge a duplicate (the same buyer's same problem) into another ticket: the duplicate is closed and points
    to the one kept, which takes its order numbers and tags; both histories stay and read as one."""
    into = await get(s, t.shop_id, into_number)
    if into.id == t.id or t.status == "closed" or into.status == "closed":
        raise Conflict("只能合并两个未关闭的不同工单", "Only two different unclosed tickets can be merged",
                       code="ticket_merge")
    if t.customer_id is None or t.customer_id != into.customer_id:
        raise Conflict("只能合并同一买家的工单", "Only tickets of the same buyer can be merged", code="ticket_merge")
    set_field(s, into, agent, "order_numbers", list(dict.fromkeys([*into.order_numbers, *t.order_numbers])))
    set_field(s, into, agent, "tags", list(dict.fromkeys([*into.tags, *t.tags])))
    audit(s, into, agent, "merged_from", None, t.number)
    set_field(s, t, agent, "merged_into_id", into.id)
    s.add(TicketNote(shop_id=t.shop_id, ticket_id=t.id, author="system", internal=False, created_at=now(),
                     text=f"此工单已合并到 {into.number}，后续进展请查看该工单 / Merged into {into.number}: "
                          "follow that ticket from now on"))
    await change_status(s, agent, t, "closed")
    await emit(s, "merged", t, {"into": into.number})
    into.updated_at = now()
    return into


async def get(s: AsyncSession, shop_id: int, number: str) -> Ticket:
    clean = rules.normalize_number(number)
    t = await s.scalar(select(Ticket).where(Ticket.number == clean, Ticket.shop_id == shop_id)) if clean else None
    if t is None:
        raise NotFound("工单不存在", "Ticket not found", code="ticket_not_found")
    return t


async def change_status(s: AsyncSession, agent: Agent | None, t: Ticket, status: str) -> Ticket:
    _choice(status, tuple(rules.STATUSES), "工单状态", "ticket status", "bad_ticket_status")
    if not rules.can_move(t.status, status):
        zh, en = rules.LABELS[t.status]
        raise Conflict(f"工单当前为「{zh}」，不能改为「{rules.LABELS[status][0]}」",
                       f"A ticket that is {en.lower()} cannot become {rules.LABELS[status][1].lower()}",
                       code="ticket_status_forbidden")
    at, before = now(), t.status
    if rules.category(status) == "open" and t.resolved_at is not None:  # reopened: the resolution clock
        set_field(s, t, agent, "resolved_at", None)  # goes on with the business time it had left
    cal = await clocks.calendar(s, t.shop_id)
    if rules.clock_runs(t.status) and not rules.clock_runs(status):
        clocks.stop_clocks(s, t, agent, cal)
    set_field(s, t, agent, "status", status)
    if status == "resolved":
        set_field(s, t, agent, "resolved_at", at)
    elif status == "closed":
        set_field(s, t, agent, "closed_at", at)
    if rules.clock_runs(status):
        clocks.start_clocks(s, t, agent, cal)
    t.updated_at = at
    await _acted(s, t, agent)
    await clocks.arm(s, t)
    if t.customer_id is not None:  # the buyer's widget follows the status
        await events.record(s, t.shop_id, "ticket.updated", {"number": t.number, "status": status},
                            customer_id=t.customer_id)
    await emit(s, "status", t, {"before": before, "after": status, "agent_id": agent.id if agent else None})
    return t


async def add_note(s: AsyncSession, agent: Agent, t: Ticket, text: str, internal: bool,
                   images: list[str] = ()) -> TicketNote:
    """A reply the buyer sees (the first one meets the first-response clock) or an internal note, with the
    images the shop's agents uploaded for it (``images``: attachment keys; a bad one refuses the whole note)."""
    if t.status == "closed":
        raise Conflict("工单已关闭", "The ticket is closed", code="ticket_closed")
    at = now()
    note = TicketNote(shop_id=t.shop_id, ticket_id=t.id, author="agent", agent_id=agent.id, internal=internal,
                      text=note_text(text, images), created_at=at)
    s.add(note)
    if images:
        await s.flush()  # the id the images link to
        await attachments.claim_for_ticket_note(s, note, list(images), agent=agent)
    if not internal and t.first_responded_at is None:
        set_field(s, t, agent, "first_responded_at", at)
        await clocks.arm(s, t)
    await _acted(s, t, agent)
    t.updated_at = at
    await s.flush()
    if not internal and t.customer_id is not None:  # the buyer's widget shows it at once
        await events.record(s, t.shop_id, "ticket.replied", {"number": t.number, "text": note.text},
                            customer_id=t.customer_id)
    await emit(s, "noted" if internal else "replied", t, {"note_id": note.id, "text": note.text,
                                                          "agent_id": agent.id})
    return note


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


VIEWS = ("mine", "all", "breaching", "breached")
SORTS = {"due": Ticket.resolution_due_at, "created": Ticket.created_at, "updated": Ticket.updated_at}


async def list_for(s: AsyncSession, agent: Agent, view: str = "mine", kind: str | None = None,
                   status: str | None = None, tag: str | None = None, sort: str = "due",
                   limit: int = 200) -> list[Ticket]:
    """An agent's ticket list: mine (assigned to me, not closed), all of the shop's unclosed tickets, breaching
    (a running clock due within 2 h) or breached (a running clock past due); by type, status and tag; nearest
    deadline first, or newest / latest changed first."""
    _choice(view, VIEWS, "视图", "view", "bad_ticket_view")
    _choice(sort, tuple(SORTS), "排序", "sort", "bad_ticket_sort")
    at = now()
    stmt = select(Ticket).where(Ticket.shop_id == agent.shop_id)
    if status is not None:
        stmt = stmt.where(Ticket.status == _choice(status, tuple(rules.STATUSES), "工单状态", "ticket status",
                                                   "bad_ticket_status"))
    else:
        stmt = stmt.where(Ticket.status != "closed")
    if kind is not None:
        stmt = stmt.where(Ticket.kind == kind)
    if tag:  # the tags are a JSON list kept as text (escaped by json.dumps, or as typed): either spelling
        tags = cast(Ticket.tags, Text)
        stmt = stmt.where(or_(*(tags.like(f"%{_like(json.dumps(tag, ensure_ascii=ascii))}%", escape="\\")
                                for ascii in (True, False))))
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
    order = (due.is_(None), due, Ticket.id) if sort == "due" else (SORTS[sort].desc(), Ticket.id.desc())
    return list((await s.scalars(stmt.order_by(*order).limit(limit))).all())


async def history(s: AsyncSession, t: Ticket) -> dict:
    """Every change and note of the ticket and of the duplicates merged into it (each row names its ticket)."""
    merged = dict((await s.execute(select(Ticket.id, Ticket.number).where(Ticket.merged_into_id == t.id))).all())
    numbers = {t.id: t.number, **merged}
    into = await s.get(Ticket, t.merged_into_id) if t.merged_into_id else None
    changes = (await s.scalars(select(TicketChange).where(TicketChange.ticket_id.in_(numbers))
                               .order_by(TicketChange.at, TicketChange.id))).all()
    notes = (await s.scalars(select(TicketNote).where(TicketNote.ticket_id.in_(numbers))
                             .order_by(TicketNote.created_at, TicketNote.id))).all()
    images = await attachments.for_ticket_notes(s, [n.id for n in notes])
    return {"merged_into": into.number if into else None, "merged_from": sorted(merged.values()),
            "changes": [{"ticket": numbers[c.ticket_id], "at": iso(c.at), "actor": c.actor, "agent_id": c.agent_id,
                         "field": c.field, "before": c.before, "after": c.after} for c in changes],
            "notes": [{"ticket": numbers[n.ticket_id], "id": n.id, "author": n.author, "agent_id": n.agent_id,
                       "internal": n.internal, "text": n.text, "transcript": masked_lines(n.transcript),
                       "at": iso(n.created_at),
                       "attachments": images.get(n.id, [])} for n in notes]}
