"""Verbs that change conversations and messages. Every query is scoped by shop_id."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from kefu.agents.models import Agent
from kefu.attachments import service as attachments
from kefu.attachments.models import Attachment
from kefu.conversations import events as names
from kefu.conversations import rules
from kefu.conversations.models import Conversation, Message
from kefu.conversations.schemas import conversation_out, message_out
from kefu.core import events, scheduler
from kefu.core.clock import iso, now
from kefu.core.errors import Forbidden, NotFound
from kefu.customers.models import Customer
from kefu.nlu import service as nlu
from kefu.routing.rules import DEFAULT as ROUTING
from kefu.routing.rules import assigned_text

GREET_TIMER = "routing.greet"


async def get_conversation(session: AsyncSession, shop_id: int, conversation_id: int,
                           *, for_update: bool = False) -> Conversation:
    stmt = select(Conversation).where(Conversation.id == conversation_id, Conversation.shop_id == shop_id)
    if for_update:
        stmt = stmt.with_for_update()
    conv = await session.scalar(stmt)
    if conv is None:
        raise NotFound("会话不存在", "Conversation not found", code="conversation_not_found")
    return conv


async def buyer_conversation(session: AsyncSession, customer: Customer, conversation_id: int) -> Conversation:
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.shop_id != customer.shop_id:
        raise NotFound("会话不存在", "Conversation not found", code="conversation_not_found")
    if conv.customer_id != customer.id:
        raise Forbidden("这不是您的会话", "This conversation belongs to someone else", code="not_your_conversation")
    return conv


async def open_conversation_for(session: AsyncSession, customer: Customer) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(Conversation.shop_id == customer.shop_id,
                                   Conversation.customer_id == customer.id,
                                   Conversation.status.in_(rules.OPEN_STATUSES))
        .order_by(Conversation.id.desc()).limit(1))


async def payload(session: AsyncSession, conv: Conversation) -> dict:
    customer = await session.get(Customer, conv.customer_id)
    assignee = await session.get(Agent, conv.assignee_id) if conv.assignee_id else None
    return conversation_out(conv, customer, assignee)


async def _emit_conversation(session: AsyncSession, conv: Conversation, type_: str, **extra) -> None:
    data = {"conversation": await payload(session, conv), **extra}
    await events.record(session, conv.shop_id, type_, data, conversation_id=conv.id, customer_id=conv.customer_id)


async def _existing(session: AsyncSession, conv_id: int, client_msg_id: str | None) -> Message | None:
    if client_msg_id is None:
        return None
    return await session.scalar(select(Message).where(Message.conversation_id == conv_id,
                                                      Message.client_msg_id == client_msg_id))


async def _append(session: AsyncSession, conv: Conversation, *, sender: str, text: str,
                  agent: Agent | None = None, private: bool = False, client_msg_id: str | None = None,
                  analysis: dict | None = None, attachment: Attachment | None = None) -> Message:
    seq = await session.scalar(
        update(Conversation.__table__).where(Conversation.__table__.c.id == conv.id)
        .values(last_seq=Conversation.__table__.c.last_seq + 1).returning(Conversation.__table__.c.last_seq))
    set_committed_value(conv, "last_seq", seq)
    at = now()
    msg = Message(shop_id=conv.shop_id, conversation_id=conv.id, seq=seq, sender=sender, text=text,
                  agent_id=agent.id if agent else None, private=private, client_msg_id=client_msg_id,
                  analysis=analysis, created_at=at,
                  attachment=attachments.meta(attachment) if attachment is not None else None)
    session.add(msg)
    if not private:
        conv.last_message_at = at
        if sender in ("buyer", "agent"):  # kefu's own lines (greetings, "X serves you") say little in a list
            conv.last_preview = rules.preview(text)
    await session.flush()
    if attachment is not None:
        attachment.message_id = msg.id
    data = {"message": message_out(msg, agent.display_name if agent else None)}
    await _emit_conversation_message(session, conv, data, private)
    return msg


async def _emit_conversation_message(session: AsyncSession, conv: Conversation, data: dict, private: bool) -> None:
    data["conversation"] = await payload(session, conv)
    await events.record(session, conv.shop_id, names.MESSAGE_CREATED, data, conversation_id=conv.id,
                        customer_id=conv.customer_id, private=private)


async def post_buyer_message(session: AsyncSession, customer: Customer, text: str | None,
                             client_msg_id: str | None = None, lang: str | None = None,
                             attachment_id: str | None = None) -> tuple[Message, Conversation, bool]:
    """Append a buyer message to their open conversation (opening one if needed). Returns created=False
    when client_msg_id was seen before, so a resend is acknowledged without storing twice. ``lang`` is the
    widget's language (zh / en): a message that opens a conversation sets the conversation's language.
    ``attachment_id``: an image the buyer uploaded; the bot and message understanding leave images alone."""
    image = attachment_id is not None
    text = rules.clean_body(text, image)
    client_msg_id = rules.clean_client_msg_id(client_msg_id)
    lang = rules.clean_lang(lang)
    has_kb = None if image else await _bot().prepare(session, customer, text)  # outside every lock
    await _lock_customer(session, customer)
    conv = await open_conversation_for(session, customer)
    if conv is not None:
        conv = await get_conversation(session, customer.shop_id, conv.id, for_update=True)
        dup = await _existing(session, conv.id, client_msg_id)
        if dup is not None:
            return dup, conv, False
    else:
        conv = await _start_conversation(session, customer, lang)
    if conv.first_message_at is None:
        conv.first_message_at = now()
    attachment = await attachments.claim_for_message(session, customer.shop_id, attachment_id,
                                                     customer=customer) if image else None
    conv.agent_unread += 1
    analysis = None if image else await _understand(session, conv, text)
    msg = await _append(session, conv, sender="buyer", text=text, client_msg_id=client_msg_id, analysis=analysis,
                        attachment=attachment)
    if not image:
        await _bot().answer(session, conv, text, analysis, has_kb)
    return msg, conv, True


def _bot():
    """The FAQ bot (kefu.knowledge.bot), imported late: it posts through this module."""
    from kefu.knowledge import bot

    return bot


async def _start_conversation(session: AsyncSession, customer: Customer, lang: str) -> Conversation:
    at = now()
    conv = Conversation(shop_id=customer.shop_id, customer_id=customer.id, status="waiting", waiting_since=at,
                        first_message_at=at, last_seq=0, agent_unread=0, agent_read_seq=0, buyer_read_seq=0,
                        last_preview="", lang=lang, created_at=at)
    session.add(conv)
    await session.flush()
    # The routing engine greets a buyer no human has answered within the greeting delay.
    greet_at = at + timedelta(seconds=ROUTING.greet_after_seconds)
    await scheduler.schedule(session, conv.shop_id, GREET_TIMER, greet_at, key=f"greet:{conv.id}",
                             payload={"conversation_id": conv.id})
    await _emit_conversation(session, conv, names.CONVERSATION_CREATED)
    return conv


async def _understand(session: AsyncSession, conv: Conversation, text: str) -> dict:
    """Analyse a buyer message with the conversation's earlier buyer lines as context and fold the result
    into the conversation's intent / emotion (what routing reads)."""
    context = list(await session.scalars(
        select(Message.text).where(Message.conversation_id == conv.id, Message.sender == "buyer")
        .order_by(Message.seq.desc()).limit(3)))[::-1] if conv.last_seq else []
    analysis = rules.stored_analysis(nlu.analyze(text, context).to_dict())
    mood = rules.conversation_mood(conv.intent, conv.intent_confidence or 0.0, conv.anger or 0.0,
                                   bool(conv.abusive), analysis)
    for key, value in mood.items():
        setattr(conv, key, value)
    return analysis


async def _lock_customer(session: AsyncSession, customer: Customer) -> None:
    """Serialize one buyer's writers (two tabs, a socket and an HTTP retry) so that "no open conversation,
    open one" happens once. A no-op UPDATE row-locks on PostgreSQL and takes the write lock on SQLite."""
    table = Customer.__table__
    await session.execute(update(table).where(table.c.id == customer.id).values(visitor_id=table.c.visitor_id))


async def post_agent_message(session: AsyncSession, agent: Agent, conversation_id: int, text: str | None, *,
                             private: bool = False, client_msg_id: str | None = None,
                             attachment_id: str | None = None) -> tuple[Message, Conversation, bool]:
    """``attachment_id``: an image this agent uploaded, sent with the message (or the private note)."""
    text = rules.clean_body(text, attachment_id is not None)
    client_msg_id = rules.clean_client_msg_id(client_msg_id)
    conv = await get_conversation(session, agent.shop_id, conversation_id, for_update=True)
    dup = await _existing(session, conv.id, client_msg_id)
    if dup is not None:
        return dup, conv, False
    if not private:
        if conv.status == "closed":
            rules.check_can_take(conv.status, conv.assignee_id, agent.id)
        if conv.status == "waiting":  # answering takes the chat; the answer itself names who serves the buyer
            _assign(conv, agent)
            conv.announced_agent_id = agent.id
        if conv.first_response_at is None:
            conv.first_response_at = now()
    attachment = await attachments.claim_for_message(session, agent.shop_id, attachment_id, agent=agent) \
        if attachment_id is not None else None
    msg = await _append(session, conv, sender="agent", text=text, agent=agent, private=private,
                        client_msg_id=client_msg_id, attachment=attachment)
    if not private:  # whoever answers has read what came before
        conv.agent_read_seq, conv.agent_unread = msg.seq, 0
    return msg, conv, True


async def post_system_message(session: AsyncSession, conv: Conversation, text: str, sender: str = "system",
                              *, private: bool = False, meta: dict | None = None) -> Message:
    """A line from kefu itself (sender system or bot); private ones are for agents only. ``meta`` (e.g. the
    bot's answer id and options) is stored in the message's analysis slot and shown to the buyer too."""
    return await _append(session, conv, sender=sender, text=rules.clean_text(text), private=private, analysis=meta)


async def _updated(session: AsyncSession, conv: Conversation, action: str, by: int | None) -> Conversation:
    await session.flush()
    await _emit_conversation(session, conv, names.CONVERSATION_UPDATED, action=action, by=by)
    return conv


def _assign(conv: Conversation, agent: Agent) -> None:
    conv.status = "assigned"
    conv.assignee_id = agent.id
    conv.group = conv.group or agent.group
    conv.waiting_since = None


async def assign_if_waiting(session: AsyncSession, conv: Conversation, agent: Agent) -> bool:
    """The router's assignment: only a conversation still waiting is taken (a conditional UPDATE, so two
    routers or a router and a person can never both assign it)."""
    table = Conversation.__table__
    result = await session.execute(
        update(table).where(table.c.id == conv.id, table.c.status == "waiting")
        .values(status="assigned", assignee_id=agent.id, group_name=conv.group or agent.group, waiting_since=None))
    if result.rowcount != 1:
        return False
    await session.refresh(conv)
    await _updated(session, conv, "routed", agent.id)
    return True


async def requeue(session: AsyncSession, conv: Conversation, group: str | None, by: int | None, *,
                  since: datetime | None = None, pinned_by: int | None = None) -> Conversation:
    """Back to the waiting queue (a transfer to a group, or an assignee who went away). ``since``: when the
    buyer began waiting unanswered, kept so that the move costs them no place. ``pinned_by``: the agent who
    transferred it to ``group`` on purpose (it then waits for that group only, never routed back to them)."""
    conv.status, conv.assignee_id, conv.waiting_since = "waiting", None, since or now()
    conv.group = group or conv.group
    if pinned_by is not None:
        conv.group_pinned, conv.transferred_by_id = True, pinned_by
    return await _updated(session, conv, "requeued", by)


async def announce_agent(session: AsyncSession, conv: Conversation, agent: Agent) -> None:
    """Tell the buyer who serves them now ("客服小李为您服务", in their language), once per serving agent."""
    if conv.announced_agent_id != agent.id:
        conv.announced_agent_id = agent.id
        await post_system_message(session, conv, assigned_text(agent.display_name, conv.lang))


async def take(session: AsyncSession, agent: Agent, conversation_id: int) -> Conversation:
    conv = await get_conversation(session, agent.shop_id, conversation_id, for_update=True)
    rules.check_can_take(conv.status, conv.assignee_id, agent.id)
    if conv.assignee_id != agent.id:
        _assign(conv, agent)
        await _updated(session, conv, "assigned", agent.id)
        await announce_agent(session, conv, agent)
    return conv


async def assign_to(session: AsyncSession, actor: Agent, conversation_id: int, target: Agent) -> Conversation:
    """A supervisor hands a conversation to a named agent of the same shop."""
    if target.shop_id != actor.shop_id:
        raise NotFound("客服不存在", "Agent not found", code="agent_not_found")
    conv = await get_conversation(session, actor.shop_id, conversation_id, for_update=True)
    if conv.status == "closed":
        rules.check_can_take(conv.status, None, target.id)
    _assign(conv, target)
    await _updated(session, conv, "assigned", actor.id)
    await announce_agent(session, conv, target)
    return conv


async def close(session: AsyncSession, agent: Agent, conversation_id: int) -> Conversation:
    conv = await get_conversation(session, agent.shop_id, conversation_id, for_update=True)
    rules.check_can_close(conv.status)
    conv.status = "closed"
    conv.closed_at = now()
    conv.waiting_since = None
    conv.agent_unread = 0
    return await _updated(session, conv, "closed", agent.id)


async def reopen(session: AsyncSession, agent: Agent, conversation_id: int) -> Conversation:
    conv = await get_conversation(session, agent.shop_id, conversation_id, for_update=True)
    rules.check_can_reopen(conv.status)
    conv.closed_at = None
    conv.assignee_id = conv.assignee_id or agent.id
    conv.status = rules.status_after_reopen(conv.assignee_id)
    return await _updated(session, conv, "reopened", agent.id)


async def mark_read(session: AsyncSession, conv: Conversation, reader: str, seq: int) -> Conversation:
    seq = max(0, min(int(seq), conv.last_seq))
    if reader == "agent":
        if seq <= conv.agent_read_seq and conv.agent_unread == 0:
            return conv
        conv.agent_read_seq = max(conv.agent_read_seq, seq)
        if conv.agent_read_seq >= conv.last_seq:
            conv.agent_unread = 0
    else:
        if seq <= conv.buyer_read_seq:
            return conv
        conv.buyer_read_seq = seq
    await session.flush()
    # The row may have changed since it was loaded (the router assigned it meanwhile): the receipt must not
    # tell the workspaces an older status. After our UPDATE the row is ours, so this read is the latest.
    await session.refresh(conv)
    await events.record(session, conv.shop_id, names.CONVERSATION_READ,
                        {"reader": reader, "seq": seq, "conversation": await payload(session, conv)},
                        conversation_id=conv.id, customer_id=conv.customer_id)
    return conv


async def list_conversations(session: AsyncSession, shop_id: int, *, status: str | None = None,
                             assignee_id: int | None = None, limit: int = 200) -> list[dict]:
    stmt = select(Conversation, Customer, Agent).join(Customer, Customer.id == Conversation.customer_id) \
        .outerjoin(Agent, Agent.id == Conversation.assignee_id).where(Conversation.shop_id == shop_id)
    if status == "open":
        stmt = stmt.where(Conversation.status.in_(rules.OPEN_STATUSES))
    elif status:
        stmt = stmt.where(Conversation.status == status)
    if assignee_id is not None:
        stmt = stmt.where(Conversation.assignee_id == assignee_id)
    stmt = stmt.order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc()).limit(limit)
    return [conversation_out(c, cu, a) for c, cu, a in (await session.execute(stmt)).all()]


async def list_messages(session: AsyncSession, conv: Conversation, *, include_private: bool,
                        after_seq: int = 0, limit: int = 1000) -> list[dict]:
    stmt = select(Message, Agent.display_name).outerjoin(Agent, Agent.id == Message.agent_id) \
        .where(Message.conversation_id == conv.id, Message.seq > after_seq)
    if not include_private:
        stmt = stmt.where(Message.private.is_(False))
    rows = (await session.execute(stmt.order_by(Message.seq).limit(limit))).all()
    return [message_out(m, name, internal=include_private) for m, name in rows]


async def customer_history(session: AsyncSession, customer_id: int, shop_id: int, limit: int = 20) -> list[dict]:
    stmt = select(Conversation).where(Conversation.shop_id == shop_id, Conversation.customer_id == customer_id) \
        .order_by(Conversation.id.desc()).limit(limit)
    return [{"id": c.id, "status": c.status, "created_at": iso(c.created_at),
             "last_preview": c.last_preview} for c in await session.scalars(stmt)]


async def _pending_human_request(session: AsyncSession, conv: Conversation) -> Message | None:
    """The buyer's last request for a person, if nothing was said since (pressing again adds no line)."""
    last = await session.scalar(select(Message).where(Message.conversation_id == conv.id, Message.private.is_(False))
                                .order_by(Message.seq.desc()).limit(1))
    return last if last is not None and (last.analysis or {}).get("human_request") else None


async def request_human(session: AsyncSession, customer: Customer, client_msg_id: str | None = None,
                        lang: str | None = None) -> tuple[Message, Conversation, bool]:
    """The buyer pressed 转人工 / Talk to a person: an action, not words of theirs. A system line in the
    buyer's language (``lang``, the widget's) records it for both sides, and the FAQ bot hands off as it does
    when the buyer types 转人工. Opens a conversation if the buyer has none; a repeated client_msg_id, or
    a second press with nothing said since, returns the stored line (created=False)."""
    client_msg_id = rules.clean_client_msg_id(client_msg_id)
    lang = rules.clean_lang(lang)
    await _lock_customer(session, customer)
    conv = await open_conversation_for(session, customer)
    if conv is None:
        conv = await _start_conversation(session, customer, lang)
    else:
        conv = await get_conversation(session, customer.shop_id, conv.id, for_update=True)
        dup = await _existing(session, conv.id, client_msg_id) or await _pending_human_request(session, conv)
        if dup is not None:
            return dup, conv, False
    msg = await _append(session, conv, sender="system", text=rules.HUMAN_REQUESTED[lang], client_msg_id=client_msg_id,
                        analysis={"human_request": True})
    if rules.opened_by_small_talk(conv.intent, conv.intent_confidence):  # asking for a person is a request
        conv.intent, conv.intent_confidence = "other", rules.ASKED_FOR_A_PERSON
    bot = _bot()
    if await bot.speaks(session, conv):  # no greeting first: the buyer asked for a person, the bot hands off
        await bot.handle_buyer_message(session, conv, "", analysis=rules.ASKS_FOR_HUMAN)
    return msg, conv, True
