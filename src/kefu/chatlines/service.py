"""Chat lines stored together: at a peak, the text lines of many sockets that arrive while the database is busy
are written in a few statements for all of them (kefu.core.batch hands this module's writer consecutive
line units of a group-commit batch). kefu.conversations.service stores one line at a time and is what every
line this writer leaves alone goes through; both must leave the same messages, rows and events behind
(tests/conversations/test_lines_together.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.conversations import events as names
from kefu.conversations import rules
from kefu.conversations.models import Conversation, Message, columns_of, lines_read, lines_stored
from kefu.conversations.schemas import conversation_out, message_out
from kefu.core import batch, events
from kefu.core.clock import now
from kefu.customers.models import Customer

LINES = "chat.line"  # the bulk kind of a socket's chat line (kefu.core.batch)
_CONV, _CUST, _AGENT = columns_of(Conversation), columns_of(Customer), columns_of(Agent)
_TABLE = {key: col for key, col in _CONV}


@dataclass(eq=False)
class Line:
    """A text line a socket sends, as store_lines takes it: a buyer's (``customer_id``, ``ahead``: see
    post_buyer_message) or an agent's (``agent``, ``conversation_id``, ``private``). ``finish(message,
    conversation)`` makes the unit's result from what was stored."""
    shop_id: int
    text: object
    client_msg_id: object
    finish: Callable[[Any, Any], Any]
    customer_id: int | None = None
    ahead: tuple[list[str], dict] | None = None
    agent: Agent | None = None
    conversation_id: object = None
    private: bool = False


async def store_lines(session: AsyncSession, lines: list[Line]) -> dict[int, Any]:
    """Store, in a few statements for all of them, the lines that need nothing but their row, their message and
    their event: a buyer writing in a chat a person serves, with the understanding worked out ahead; an agent
    answering (or noting) in an assigned chat. Returns {index: result} of those taken; the caller runs the
    others one by one, the ordinary way (post_buyer_message, post_agent_message), as does every later line of a
    buyer or conversation one was declined for, so each chat's lines keep their order."""
    await session.flush()
    buyers = sorted({ln.customer_id for ln in lines if ln.agent is None})
    asked = sorted({ln.conversation_id for ln in lines if ln.agent is not None and rules.is_id(ln.conversation_id)})
    rows = {}
    for row in (await session.execute(lines_read(asked, buyers))).all():
        m = row._mapping
        conv = SimpleNamespace(**{key: m[col] for key, col in _CONV})
        rows[conv.id] = (conv, SimpleNamespace(**{key: m[col] for key, col in _CUST}),
                         SimpleNamespace(**{key: m[col] for key, col in _AGENT}) if conv.assignee_id else None)
    open_of = {conv.customer_id: conv.id for conv, _, _ in rows.values()}  # a buyer's served chat
    cmids = sorted({c for ln in lines if isinstance(c := ln.client_msg_id, str) and c})
    stored: set = set()
    if cmids:
        for customer_id, conv_id, cmid in await session.execute(lines_stored(cmids, list(rows), buyers)):
            stored.update({("buyer", customer_id, cmid), (conv_id, cmid)})
    taken, blocked, at = [], set(), now()
    for i, line in enumerate(lines):
        conv_id = open_of.get(line.customer_id) if line.agent is None else \
            line.conversation_id if rules.is_id(line.conversation_id) else None
        keys = {conv_id} | ({("buyer", line.customer_id)} if line.agent is None else set())
        got = None if keys & blocked or conv_id not in rows else \
            rules.take_line(rows[conv_id][0], line, stored, at)
        if got is None:
            blocked |= keys
        else:  # the conversation as the event shows it after this line
            taken.append((i, line, *got, conversation_out(*rows[conv_id])))
    if not taken:
        return {}
    ids = (await session.execute(insert(Message.__table__).returning(Message.__table__.c.id,
                                                                     sort_by_parameter_order=True),
                                 [vars(msg) for _, _, msg, _, _, _ in taken])).scalars().all()
    touched = {msg.conversation_id: rows[msg.conversation_id][0] for _, _, msg, _, _, _ in taken}.values()
    keys = sorted({key for _, _, _, changed, _, _ in taken for key in changed})
    await session.execute(update(Conversation.__table__).where(Conversation.__table__.c.id == bindparam("_id"))
                          .values({_TABLE[key]: bindparam(f"_{key}") for key in keys}),
                          [{"_id": conv.id, **{f"_{key}": getattr(conv, key) for key in keys}} for conv in touched])
    done = {}
    for (i, line, msg, _, routing, shown), msg_id in zip(taken, ids, strict=True):
        msg.id = msg_id
        conv = rows[msg.conversation_id][0]
        event = {"message": message_out(msg, line.agent.display_name if line.agent else None, whole=True),
                 "conversation": shown, **({"routing": True} if routing else {})}
        await events.record(session, conv.shop_id, names.MESSAGE_CREATED, event, conversation_id=conv.id,
                            customer_id=conv.customer_id, private=msg.private)
        done[i] = line.finish(msg, conv)
    if session.identity_map:  # rows plain units of this transaction read before: ours changed them
        session.expire_all()
    return done


batch.BULK[LINES] = store_lines
