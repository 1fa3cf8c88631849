"""WebSocket endpoints: /ws/buyer (visitor token) and /ws/agent (session cookie)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from kefu.agents.service import agent_for_token, record_seen, seen, seen_due
from kefu.conversations import service
from kefu.conversations.events import TYPING, for_buyer
from kefu.conversations.schemas import message_out
from kefu.core import realtime
from kefu.core.auth import SESSION_COOKIE
from kefu.core.errors import KefuError
from kefu.core.events import bus, events_after, last_event_id
from kefu.customers.service import customer_for_claims

log = logging.getLogger(__name__)
router = APIRouter()
BUYER_FRAMES = {"message", "typing", "read", "human_request"}
AGENT_FRAMES = {"message", "typing", "read"}


async def _after(ws: WebSocket, shop_id: int) -> int:
    """Replay from the client's last seen event; a client that names none starts from now."""
    raw = ws.query_params.get("last_event_id")
    if raw is not None:
        try:
            return max(0, int(raw))
        except ValueError:
            pass
    async with ws.app.state.db.transaction() as s:
        return await last_event_id(s, shop_id)


def _int(frame: dict, key: str) -> int:
    value = frame.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise realtime.BadFrame(f"{key} must be an integer")
    return value


def _typing(shop_id: int, conversation_id: int, customer_id: int, who: str, name: str) -> dict:
    return {"id": None, "shop_id": shop_id, "type": TYPING, "conversation_id": conversation_id,
            "customer_id": customer_id, "private": False,
            "data": {"who": who, "name": name, "conversation_id": conversation_id}}


def _replay(db, shop_id: int):
    async def replay(after: int) -> list[dict]:
        async with db.transaction() as s:
            return await events_after(s, shop_id, after, limit=500)

    return replay


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
    except KefuError as exc:
        await ws.close(code=realtime.CLOSE_POLICY, reason=exc.en)
        return
    await ws.accept()

    async def handle(frame: dict) -> dict | None:
        kind = frame["type"]
        async with db.transaction() as s:
            if kind == "message":
                msg, conv, created = await service.post_buyer_message(s, customer, frame.get("text"),
                                                                      frame.get("client_msg_id"), frame.get("lang"),
                                                                      frame.get("attachment_id"))
                return {"type": "ack", "client_msg_id": msg.client_msg_id, "duplicate": not created,
                        "conversation_id": conv.id, "message": message_out(msg, internal=False)}
            if kind == "human_request":  # the 转人工 button: an action, acked with the system line it adds
                msg, conv, created = await service.request_human(s, customer, frame.get("client_msg_id"),
                                                                 frame.get("lang"))
                return {"type": "ack", "client_msg_id": msg.client_msg_id, "duplicate": not created,
                        "conversation_id": conv.id, "message": message_out(msg, internal=False)}
            conv = await service.buyer_conversation(s, customer, _int(frame, "conversation_id"))
            if kind == "read":
                await service.mark_read(s, conv, "buyer", _int(frame, "seq"))
                return None
        bus.publish(_typing(customer.shop_id, conv.id, customer.id, "buyer", customer.display_name))
        return None

    conn = realtime.Connection(ws, claims.shop_id, lambda ev: for_buyer(ev, customer.id))
    await realtime.serve(conn, _replay(db, claims.shop_id), await _after(ws, claims.shop_id), BUYER_FRAMES, handle)


@router.websocket("/ws/agent")
async def agent_socket(ws: WebSocket) -> None:
    db = ws.app.state.db
    async with db.transaction() as s:
        agent = await agent_for_token(s, ws.cookies.get(SESSION_COOKIE))
        allowed = agent is not None and _same_origin(ws)
        if allowed:
            await seen(s, agent)  # connecting (a reconnect after the laptop wakes, say) is a sign of life
    if not allowed:
        await ws.close(code=realtime.CLOSE_POLICY, reason="not logged in" if agent is None else "bad origin")
        return
    await ws.accept()

    async def alive() -> None:
        """Any frame, the 25-second ping included, keeps the agent from being set away as silent."""
        if not seen_due(agent.id):
            return
        try:
            async with db.transaction() as s:
                await record_seen(s, agent.shop_id, agent.id)
        except Exception:  # a failed write must not drop the socket; the next frame a minute on tries again
            log.exception("could not record that agent %s was seen", agent.id)

    async def handle(frame: dict) -> dict | None:
        kind = frame["type"]
        conversation_id = _int(frame, "conversation_id")
        async with db.transaction() as s:
            if kind == "message":
                msg, _conv, created = await service.post_agent_message(
                    s, agent, conversation_id, frame.get("text"), private=bool(frame.get("private")),
                    client_msg_id=frame.get("client_msg_id"), attachment_id=frame.get("attachment_id"))
                return {"type": "ack", "client_msg_id": msg.client_msg_id, "duplicate": not created,
                        "conversation_id": conversation_id, "message": message_out(msg, agent.display_name)}
            conv = await service.get_conversation(s, agent.shop_id, conversation_id)
            if kind == "read":
                await service.mark_read(s, conv, "agent", _int(frame, "seq"))
                return None
        bus.publish(_typing(agent.shop_id, conv.id, conv.customer_id, "agent", agent.display_name))
        return None

    conn = realtime.Connection(ws, agent.shop_id, lambda ev: ev, on_frame=alive)
    await realtime.serve(conn, _replay(db, agent.shop_id), await _after(ws, agent.shop_id), AGENT_FRAMES, handle)
