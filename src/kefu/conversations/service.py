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
from kefu.conversations.models import (
    BUYER_VIEW,
    LOCKED_BY_ID,
    Conversation,
    Message,
    conversation_list,
    locked_read,
    message_list,
)
from kefu.conversations.schemas import conversation_out, message_out
from kefu.core import events, scheduler
from kefu.core.clock import iso, now
from kefu.core.errors import Forbidden, KefuError, NotFound
from kefu.customers.models import Customer
from kefu.nlu import service as nlu
from kefu.privacy.rules import mask_text
from kefu.routing.rules import DEFAULT as ROUTING
from kefu.routing.rules import assigned_text

GREET_TIMER = "routing.greet"
_LOCKED = "kefu_locked_conversations"


async def get_conversation(session: AsyncSession, shop_id: int, conversation_id: int,
                           *, for_update: bool = False) -> Conversation:
    if for_update:
        conv, _ = await _locked(session, shop_id, conversation_id)
    else:
        conv = await session.scalar(select(Conversation).where(Conversation.id == conversation_id,
                                                               Conversation.shop_id == shop_id))
    if conv is None:
        raise NotFound("会话不存在", "Conversation not found", code="conversation_not_found")
    return conv


async def _locked(session: AsyncSession, shop_id: int, *where, client_msg_id: str | None = None,
                  ) -> tuple[Conversation | None, Message | None]:
    """Lock one conversation row and read it, with its customer and assignee for the event payload, in one
    statement (SELECT … FOR UPDATE OF conversations; SQLite has one writer at a time: the Database's gate).
    ``where``: one conversation id, or conditions.
    With ``client_msg_id``: also the message this conversation already stored under it (None if none)."""
    if len(where) == 1 and isinstance(where[0], int):  # by id: the prepared statement
        params = {"shop": shop_id, "conv": where[0]} | ({"cmid": client_msg_id} if client_msg_id else {})
        row = (await session.execute(LOCKED_BY_ID[client_msg_id is not None], params)).first()
    else:
        row = (await session.execute(locked_read(shop_id, *where, client_msg_id=client_msg_id))).first()
    if row is None:
        return None, None
    conv = row[0]
    _locked_ids(session)[conv.id] = row[1:3]  # held: the session's identity map keeps only weak references
    if client_msg_id is None:
        return conv, None
    if (row[4] or 0) != conv.last_seq:  # someone wrote while we waited for the lock: look again
        return conv, await _existing(session, conv.id, client_msg_id)
    return conv, await session.get(Message, row[3]) if row[3] is not None else None


async def _reread(session: AsyncSession, conv: Conversation) -> None:
    """After our UPDATE the row is ours: read it again (the latest), with its customer and assignee."""
    _locked_ids(session)[conv.id] = ()
    await _locked(session, conv.shop_id, conv.id)


def _one_writer(session: AsyncSession) -> bool:
    """SQLite: one transaction at a time (kefu.core.db's gate), so a row read inside it cannot change before
    its commit — what PostgreSQL needs a row lock for."""
    return session.get_bind().dialect.name == "sqlite"


def _locked_ids(session: AsyncSession) -> dict[int, tuple]:
    """The conversations whose rows this transaction holds locked (their next seq is last_seq + 1), each with
    the customer and assignee read with it (payload() finds them in the session)."""
    txn = session.sync_session.get_transaction()
    held = session.info.get(_LOCKED)
    if held is None or held[0] is not txn:
        held = session.info[_LOCKED] = (txn, {})
    return held[1]


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


async def payload(session: AsyncSession, conv: Conversation, known: Agent | None = None) -> dict:
    """The conversation as events and workspaces show it. Its customer and assignee come from the session when
    loaded with the row (the locked read joins them: no query), or ``known``, an agent the caller holds."""
    customer = await session.get(Customer, conv.customer_id)
    assignee = known if known is not None and known.id == conv.assignee_id else \
        await session.get(Agent, conv.assignee_id) if conv.assignee_id else None
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
                  analysis: dict | None = None, attachment: Attachment | None = None,
                  changes: dict | None = None, routing: bool = False) -> Message:
    """Store the conversation's next message and fold it and ``changes`` into the row: one INSERT and one
    UPDATE, in one flush, then the message.created event (``routing``: it changed what routing reads)."""
    if conv.id in _locked_ids(session):  # the row is ours until commit: nobody else can take this seq
        seq = conv.last_seq + 1
    else:  # a writer without the row lock (a timer's greeting): the database counts
        table = Conversation.__table__
        seq = await session.scalar(update(table).where(table.c.id == conv.id)
                                   .values(last_seq=table.c.last_seq + 1).returning(table.c.last_seq))
        set_committed_value(conv, "last_seq", seq)
    at = now()
    msg = Message(shop_id=conv.shop_id, conversation_id=conv.id, seq=seq, sender=sender, text=text,
                  agent_id=agent.id if agent else None, private=private, client_msg_id=client_msg_id,
                  analysis=analysis, created_at=at,
                  attachment=attachments.meta(attachment) if attachment is not None else None)
    session.add(msg)
    conv.last_seq = seq
    for key, value in (changes or {}).items():
        setattr(conv, key, value)
    if not private:
        conv.last_message_at = at
        if sender in ("buyer", "agent"):  # kefu's own lines (greetings, "X serves you") say little in a list
            conv.last_preview = rules.preview(text)  # whole: staff see it masked (conversation_out)
    await session.flush()
    if attachment is not None:
        attachment.message_id = msg.id
    data = {"message": message_out(msg, agent.display_name if agent else None, whole=True),
            "conversation": await payload(session, conv, agent), **({"routing": True} if routing else {})}
    await events.record(session, conv.shop_id, names.MESSAGE_CREATED, data, conversation_id=conv.id,
                        customer_id=conv.customer_id, private=private)
    return msg


async def post_buyer_message(session: AsyncSession, customer: Customer, text: str | None,
                             client_msg_id: str | None = None, lang: str | None = None,
                             attachment_id: str | None = None,
                             ahead: tuple[list[str], dict] | None = None) -> tuple[Message, Conversation, bool]:
    """Append a buyer message to their open conversation (opening one if needed). Returns created=False
    when client_msg_id was seen before, in this conversation or an earlier one, so a resend is acknowledged
    without storing twice. ``lang`` is the widget's language (zh / en): a message that opens a conversation
    sets the conversation's language. ``attachment_id``: an image the buyer uploaded; the bot and message
    understanding leave images alone. Analysis and the bot's embedding run before any lock. ``ahead``: (context,
    nlu.essentials of this text with that context), worked out before the transaction (``understand_ahead``):
    used when the conversation's context is still that one."""
    image = attachment_id is not None
    text = rules.clean_body(text, image)
    client_msg_id = rules.clean_client_msg_id(client_msg_id)
    lang = rules.clean_lang(lang)
    # before any lock: the open conversation, and a resend's message in any of the buyer's conversations
    params = {"shop": customer.shop_id, "customer": customer.id} | ({"cmid": client_msg_id} if client_msg_id else {})
    alone = _one_writer(session)
    row = (await session.execute(BUYER_VIEW[client_msg_id is not None, alone], params)).first()
    seen, dup = (row[1], row[2]) if row is not None else (None, None)
    if dup is not None:  # acknowledged before, maybe in a conversation closed since
        msg = await session.get(Message, dup)
        return msg, await session.get(Conversation, msg.conversation_id), False
    seen_seq = seen.last_seq if seen is not None else None
    context = await _context(session, seen)
    analysis = None if image else rules.stored_analysis(ahead[1]) if ahead and ahead[0] == context \
        else _analyze(text, context)
    has_kb = None if image else await _bot().prepare(session, customer.shop_id, seen, text)
    conv = None
    if seen is not None and alone:  # nobody else writes in this transaction: the row read is the row
        _locked_ids(session)[seen.id] = (row[3], row[4])
        conv = seen
    elif seen is not None:
        conv, _ = await _locked(session, customer.shop_id, seen.id)
    if conv is None or conv.status not in rules.OPEN_STATUSES:  # none, or closed before we had it
        conv, dup = await _open_for(session, customer, lang, client_msg_id)
    elif conv.last_seq != seen_seq:  # a message came in first: maybe this one, sent twice at once
        dup = await _existing(session, conv.id, client_msg_id)
    if dup is not None:
        return dup, conv, False
    if not image and (fresh := await _context(session, conv)) != context:  # the buyer's other tab wrote first
        context, analysis = fresh, _analyze(text, fresh)
    changes, routing = rules.buyer_changes({k: getattr(conv, k) for k in rules.BUYER_KEYS}, context, text,
                                           analysis, now())
    attachment = await attachments.claim_for_message(session, customer.shop_id, attachment_id,
                                                     customer=customer) if image else None
    msg = await _append(session, conv, sender="buyer", text=text, client_msg_id=client_msg_id, analysis=analysis,
                        attachment=attachment, changes=changes, routing=routing)
    if not image:
        await _bot().answer(session, conv, text, analysis, has_kb)
    return msg, conv, True


async def understand_ahead(text: object, context: list[str]) -> tuple[list[str], dict] | None:
    """A buyer line's understanding in the NLU worker process (kefu.nlu.service.essentials_ahead), before its
    transaction, with the context the buyer's socket expects the conversation to have; None when there is no
    worker or the text is not a valid line (then post_buyer_message works inline)."""
    if not isinstance(text, str):
        return None
    try:
        clean = rules.clean_body(text, False)
    except KefuError:
        return None
    found = await nlu.essentials_ahead(clean, context)
    return (list(context), found) if found is not None else None


def _bot():
    """The FAQ bot (kefu.knowledge.bot), imported late: it posts through this module."""
    from kefu.knowledge import bot

    return bot


async def _open_for(session: AsyncSession, customer: Customer, lang: str,
                    client_msg_id: str | None) -> tuple[Conversation, Message | None]:
    """Under the buyer's lock: their open conversation (another tab may just have opened it), or a new one."""
    await _lock_customer(session, customer)
    conv, dup = await _locked(session, customer.shop_id, Conversation.customer_id == customer.id,
                              Conversation.status.in_(rules.OPEN_STATUSES), client_msg_id=client_msg_id)
    return (conv, dup) if conv is not None else (await _start_conversation(session, customer, lang), None)


async def _start_conversation(session: AsyncSession, customer: Customer, lang: str) -> Conversation:
    at = now()
    conv = Conversation(shop_id=customer.shop_id, customer_id=customer.id, status="waiting", waiting_since=at,
                        first_message_at=at, last_seq=0, agent_unread=0, agent_read_seq=0, buyer_read_seq=0,
                        last_preview="", lang=lang, created_at=at, buyer_context=[])
    session.add(conv)
    await session.flush()
    _locked_ids(session)[conv.id] = ()  # a row nobody else sees before we commit
    # The routing engine greets a buyer no human has answered within the greeting delay.
    greet_at = at + timedelta(seconds=ROUTING.greet_after_seconds)
    await scheduler.schedule(session, conv.shop_id, GREET_TIMER, greet_at, key=f"greet:{conv.id}",
                             payload={"conversation_id": conv.id})
    await _emit_conversation(session, conv, names.CONVERSATION_CREATED)
    return conv


def _analyze(text: str, context: list[str]) -> dict:
    return rules.stored_analysis(nlu.essentials(text, context))


async def _context(session: AsyncSession, conv: Conversation | None) -> list[str]:
    """The buyer's last lines before this one (message understanding reads them), kept in the row; a
    conversation from before that column reads them from its messages."""
    if conv is None or conv.buyer_context is not None:
        return list(conv.buyer_context or []) if conv is not None else []
    return list(await session.scalars(
        select(Message.text).where(Message.conversation_id == conv.id, Message.sender == "buyer")
        .order_by(Message.seq.desc()).limit(rules.CONTEXT_LINES)))[::-1] if conv.last_seq else []


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
    conv, dup = await _locked(session, agent.shop_id, conversation_id, client_msg_id=client_msg_id)
    if conv is None:
        raise NotFound("会话不存在", "Conversation not found", code="conversation_not_found")
    if dup is not None:
        return dup, conv, False
    changes, routing = rules.agent_changes({k: getattr(conv, k) for k in rules.AGENT_KEYS}, agent, private, now())
    attachment = await attachments.claim_for_message(session, agent.shop_id, attachment_id, agent=agent) \
        if attachment_id is not None else None
    msg = await _append(session, conv, sender="agent", text=text, agent=agent, private=private,
                        client_msg_id=client_msg_id, attachment=attachment, changes=changes, routing=routing)
    return msg, conv, True


async def post_system_message(session: AsyncSession, conv: Conversation, text: str, sender: str = "system",
                              *, private: bool = False, meta: dict | None = None) -> Message:
    """A line from kefu itself (sender system or bot); private ones are for agents only. ``meta`` (e.g. the
    bot's answer id and options) is stored in the message's analysis slot and shown to the buyer too."""
    return await _append(session, conv, sender=sender, text=rules.clean_text(text), private=private, analysis=meta)


async def post_card(session: AsyncSession, conv: Conversation, card: dict, text: str,
                    agent: Agent | None = None) -> Message:
    """A card in the chat (an order, an after-sale case's outcome, an agreement to confirm): ``card`` has a
    ``kind`` and what its renderer shows; ``text`` is the plain line for lists, previews and transcripts. Sent by
    ``agent`` (as their line) or by kefu (a system line)."""
    return await _append(session, conv, sender="agent" if agent else "system", agent=agent,
                         text=rules.clean_text(text), analysis={"card": card})


async def _updated(session: AsyncSession, conv: Conversation, action: str, by: int | None) -> Conversation:
    await session.flush()
    await _emit_conversation(session, conv, names.CONVERSATION_UPDATED, action=action, by=by)
    return conv


def _assign(conv: Conversation, agent: Agent) -> None:
    for key, value in rules.assigned_to(conv.group, agent).items():
        setattr(conv, key, value)


async def assign_if_waiting(session: AsyncSession, conv: Conversation, agent: Agent) -> bool:
    """The router's assignment: only a conversation still waiting is taken (a conditional UPDATE, so two
    routers or a router and a person can never both assign it)."""
    table = Conversation.__table__
    result = await session.execute(
        update(table).where(table.c.id == conv.id, table.c.status == "waiting")
        .values(status="assigned", assignee_id=agent.id, group_name=conv.group or agent.group, waiting_since=None))
    if result.rowcount != 1:
        return False
    await _reread(session, conv)
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
    rules.check_may_answer(conv.status, conv.assignee_id, agent)
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
    changes = rules.read_changes(reader, seq, conv.last_seq, conv.agent_read_seq, conv.agent_unread,
                                 conv.buyer_read_seq)
    if not changes:
        return conv
    for key, value in changes.items():
        setattr(conv, key, value)
    await session.flush()
    # The row may have changed since it was loaded (the router assigned it meanwhile): the receipt must not
    # tell the workspaces an older status.
    await _reread(session, conv)
    await events.record(session, conv.shop_id, names.CONVERSATION_READ,
                        {"reader": reader, "seq": seq, "conversation": await payload(session, conv)},
                        conversation_id=conv.id, customer_id=conv.customer_id)
    return conv


async def list_conversations(session: AsyncSession, shop_id: int, *, status: str | None = None,
                             assignee_id: int | None = None, limit: int = 200) -> list[dict]:
    stmt = conversation_list(shop_id, status, assignee_id, limit)
    return [conversation_out(c, cu, a) for c, cu, a in (await session.execute(stmt)).all()]


async def list_messages(session: AsyncSession, conv: Conversation, *, include_private: bool,
                        after_seq: int = 0, limit: int = 1000) -> list[dict]:
    rows = (await session.execute(message_list(conv.id, include_private, after_seq, limit))).all()
    return [message_out(m, name, internal=include_private) for m, name in rows]


async def customer_history(session: AsyncSession, customer_id: int, shop_id: int, limit: int = 20) -> list[dict]:
    stmt = select(Conversation).where(Conversation.shop_id == shop_id, Conversation.customer_id == customer_id) \
        .order_by(Conversation.id.desc()).limit(limit)
    return [{"id": c.id, "status": c.status, "created_at": iso(c.created_at),
             "last_preview": mask_text(c.last_preview)} for c in await session.scalars(stmt)]


async def _pending_human_request(session: AsyncSession, conv: Conversation) -> Message | None:
    """The buyer's last request for a person, if nothing was said since (pressing again adds no line)."""
    if not conv.last_seq:
        return None
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
    conv, dup = await _open_for(session, customer, lang, client_msg_id)
    dup = dup or await _pending_human_request(session, conv)
    if dup is not None:
        return dup, conv, False
    # asking for a person is a request: a buyer who only said hello is routed at once (no small-talk hold)
    changes = {"intent": "other", "intent_confidence": rules.ASKED_FOR_A_PERSON} \
        if rules.opened_by_small_talk(conv.intent, conv.intent_confidence) else {}
    msg = await _append(session, conv, sender="system", text=rules.HUMAN_REQUESTED[lang], client_msg_id=client_msg_id,
                        analysis={"human_request": True}, changes=changes,
                        routing=bool(changes) and conv.status == "waiting")
    bot = _bot()
    if await bot.speaks(session, conv):  # no greeting first: the buyer asked for a person, the bot hands off
        await bot.handle_buyer_message(session, conv, "", analysis=rules.ASKS_FOR_HUMAN)
    return msg, conv, True
