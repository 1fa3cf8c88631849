"""WebSocket endpoints: /ws/buyer (visitor token) and /ws/agent (session cookie)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from kefu.agents.rules import SUPERVISE_ROLES
from kefu.agents.service import login_of, record_seen, seen, seen_due, session_id
from kefu.chatlines import service as lines
from kefu.conversations import rules, service
from kefu.conversations.events import TYPING, for_buyer
from kefu.conversations.schemas import message_out
from kefu.core import batch, limits, outage, realtime
from kefu.core.auth import SESSION_COOKIE
from kefu.core.clock import as_utc, now
from kefu.core.errors import KefuError
from kefu.core.events import bus, events_after, last_event_id
from kefu.core.fanout import SESSION_ENDED
from kefu.core.validation import MAX_ID
from kefu.customers.service import customer_for_claims
from kefu.privacy.rules import staff_event

log = logging.getLogger(__name__)
router = APIRouter()
BUYER_FRAMES = {"message", "typing", "read", "human_request"}
AGENT_FRAMES = {"message", "typing", "read", "watch"}
AHEAD = "_understood"  # a buyer frame's line understood before its transaction (never sent by a client: see parse)


def _after(ws: WebSocket, shop_id: int):
    """Replay from the client's last seen event; a client that names none, or one beyond the log's head
    (a page from before an upgrade, a typo), starts from now."""
    async def after() -> int:
        raw = ws.query_params.get("last_event_id", "")
        async with ws.app.state.db.transaction() as s:
            head = await last_event_id(s, shop_id)
        if raw.isdigit() and len(raw) <= 18:
            return min(int(raw), head)
        return head

    return after


def _int(frame: dict, key: str) -> int:
    value = frame.get(key)
    if not rules.is_id(value):
        raise realtime.BadFrame(f"{key} must be an integer from 0 to {MAX_ID}")
    return value


def _typing(conv, who: str, name: str) -> dict:
    """Ephemeral; ``assignee_id`` and ``status`` tell the fan-out whose workspace it is for."""
    return {"id": None, "shop_id": conv.shop_id, "type": TYPING, "conversation_id": conv.id,
            "customer_id": conv.customer_id, "private": False,
            "data": {"who": who, "name": name, "conversation_id": conv.id, "assignee_id": conv.assignee_id,
                     "status": conv.status}}


def _ack(msg, conversation_id: int, created: bool, message: dict) -> dict:
    return {"type": "ack", "client_msg_id": msg.client_msg_id, "duplicate": not created,
            "conversation_id": conversation_id, "message": message}


async def _run(db, in_transaction, frame: dict, line: lines.Line | None = None) -> dict | None:
    """One frame's transaction (shared with other sockets' frames queued meanwhile: kefu.core.batch, a text
    ``line`` maybe stored together with others: kefu.chatlines), run again if the database gave it up to
    a lock race (never a lost message or a closed socket for that); the ephemeral event it makes goes out
    after commit."""
    unit = batch.unit(lambda s: in_transaction(s, frame), line and lines.LINES, line)
    reply, ephemeral = await db.run_grouped(unit)
    if ephemeral is not None:
        bus.publish(ephemeral)
    return reply


def _replay(db, shop_id: int):
    async def replay(after: int) -> list[dict]:
        async with db.transaction() as s:
            return await events_after(s, shop_id, after, limit=500)

    return replay


def _staff_view(ev: dict) -> dict | None:
    """Every event of the shop, a chat line's personal details masked (the same dict when there are none)."""
    return None if ev.get("type") == SESSION_ENDED else staff_event(ev)


def _same_origin(ws: WebSocket) -> bool:
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


@router.websocket("/ws/buyer")
async def buyer_socket(ws: WebSocket) -> None:
    db = ws.app.state.db
    try:
        claims = ws.app.state.visitor_tokens.read(ws.query_params.get("token"))
        async with db.transaction() as s:
            customer = await customer_for_claims(s, claims)
            chat = await service.open_conversation_for(s, customer)
            context = list(chat.buyer_context) if chat is not None and chat.buyer_context is not None else None
    except KefuError as exc:
        await ws.close(code=realtime.CLOSE_POLICY, reason=exc.en)
        return
    await ws.accept()
    # The buyer's last lines as this socket last saw them stored (their open chat's when it connected): a
    # line's understanding is worked out ahead, off the event loop, with them (service.understand_ahead).
    expect: dict[str, list[str] | None] = {"context": context}

    async def in_transaction(s, frame: dict) -> tuple[dict | None, dict | None]:
        """(reply frame, ephemeral event to publish after commit)"""
        kind = frame["type"]
        if kind in ("message", "human_request"):
            if kind == "message":
                msg, conv, created = await service.post_buyer_message(s, customer, frame.get("text"),
                                                                      frame.get("client_msg_id"), frame.get("lang"),
                                                                      frame.get("attachment_id"), frame.get(AHEAD))
                return stored(msg, conv, created)
            else:  # the 转人工 button: an action, acked with the system line it adds
                msg, conv, created = await service.request_human(s, customer, frame.get("client_msg_id"),
                                                                 frame.get("lang"))
            return _ack(msg, conv.id, created, message_out(msg, internal=False)), None
        conv = await service.buyer_conversation(s, customer, _int(frame, "conversation_id"))
        if kind == "read":
            await service.mark_read(s, conv, "buyer", _int(frame, "seq"))
            return None, None
        return None, _typing(conv, "buyer", customer.display_name)

    def stored(msg, conv, created: bool = True) -> tuple[dict, None]:
        expect["context"] = list(conv.buyer_context) if conv.buyer_context is not None else None
        return _ack(msg, conv.id, created, message_out(msg, internal=False)), None

    async def handle(frame: dict) -> dict | None:
        if frame["type"] in ("message", "human_request"):
            limits.buyer_messages.take(customer.id)  # before any transaction: a refused frame costs nothing
        text_line = frame["type"] == "message" and frame.get("attachment_id") is None
        frame[AHEAD] = await service.understand_ahead(frame.get("text"), expect["context"] or []) \
            if text_line else None  # whatever a client put under that key is replaced
        line = lines.Line(customer.shop_id, frame.get("text"), frame.get("client_msg_id"), stored,
                            customer_id=customer.id, ahead=frame[AHEAD]) if frame[AHEAD] is not None else None
        return await _run(db, in_transaction, frame, line)

    conn = realtime.Connection(ws, claims.shop_id, lambda ev: for_buyer(ev, customer.id), customer_id=customer.id)
    await realtime.serve(conn, _replay(db, claims.shop_id), _after(ws, claims.shop_id), BUYER_FRAMES, handle)


@router.websocket("/ws/agent")
async def agent_socket(ws: WebSocket) -> None:
    db = ws.app.state.db
    async with db.transaction() as s:
        found = await login_of(s, ws.cookies.get(SESSION_COOKIE))
        agent, login = found if found else (None, None)
        allowed = agent is not None and _same_origin(ws)
        if allowed:
            await seen(s, agent)  # connecting (a reconnect after the laptop wakes, say) is a sign of life
    if not allowed:
        await ws.close(code=realtime.CLOSE_POLICY, reason="not logged in" if agent is None else "bad origin")
        return
    await ws.accept()

    async def alive() -> None:
        """Any frame, the 25-second ping included, keeps the agent from being set away as silent. A login that
        expired meanwhile ends the socket here, before the frame does anything."""
        if as_utc(login.expires_at) <= now():
            raise realtime.BadFrame("session expired", realtime.CLOSE_POLICY)
        if not seen_due(agent.id):
            return
        try:
            async with db.transaction() as s:
                await record_seen(s, agent.shop_id, agent.id)
        except Exception as exc:  # a failed write must not drop the socket; the next frame a minute on tries again
            outage.log_failure(log, f"could not record that agent {agent.id} was seen", exc)

    async def in_transaction(s, frame: dict) -> tuple[dict | None, dict | None]:
        kind = frame["type"]
        conversation_id = _int(frame, "conversation_id")
        if kind == "message":
            msg, _conv, created = await service.post_agent_message(
                s, agent, conversation_id, frame.get("text"), private=bool(frame.get("private")),
                client_msg_id=frame.get("client_msg_id"), attachment_id=frame.get("attachment_id"))
            return _ack(msg, conversation_id, created, message_out(msg, agent.display_name)), None
        conv = await service.get_conversation(s, agent.shop_id, conversation_id)
        if kind == "read":
            await service.mark_read(s, conv, "agent", _int(frame, "seq"))
            return None, None
        return None, _typing(conv, "agent", agent.display_name)

    async def handle(frame: dict) -> dict | None:
        if frame["type"] == "watch":  # the conversation this workspace has open: its chat traffic comes here too
            value = frame.get("conversation_id")
            conn.hub.watch(conn, None if value is None else _int(frame, "conversation_id"))
            return None
        line = lines.Line(agent.shop_id, frame.get("text"), frame.get("client_msg_id"), answered,
                            agent=agent, conversation_id=frame.get("conversation_id"),
                            private=bool(frame.get("private"))) \
            if frame["type"] == "message" and frame.get("attachment_id") is None else None
        return await _run(db, in_transaction, frame, line)

    def answered(msg, conv) -> tuple[dict, None]:
        return _ack(msg, conv.id, True, message_out(msg, agent.display_name)), None

    conn = realtime.Connection(ws, agent.shop_id, _staff_view, on_frame=alive, agent_id=agent.id,
                               full_view=agent.role in SUPERVISE_ROLES, session=session_id(login))
    await realtime.serve(conn, _replay(db, agent.shop_id), _after(ws, agent.shop_id), AGENT_FRAMES, handle)
