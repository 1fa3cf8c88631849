"""A client that connects and leaves is a normal end of a socket: nothing is logged as an error.

The test client of Starlette never fails a send after the client left, so the sockets are driven here as
uvicorn drives them: once the client has gone, every send raises uvicorn's ClientDisconnected (an OSError),
and an exception escaping the app is what uvicorn logs as "Exception in ASGI application".
"""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from uvicorn.protocols.utils import ClientDisconnected


async def drive(app, path: str, query: str, after_ready, cookie: str = "") -> list[dict]:
    """Run a socket as uvicorn runs it and return what the app sent. Once the ``ready`` frame is out,
    ``after_ready(inbox)`` says what happens next and returns the exception every later send raises."""
    inbox: asyncio.Queue = asyncio.Queue()
    inbox.put_nowait({"type": "websocket.connect"})
    sent: list[dict] = []
    failing: BaseException | None = None

    async def receive() -> dict:
        return await inbox.get()

    async def send(message: dict) -> None:
        nonlocal failing
        if failing is not None:
            raise failing
        sent.append(message)
        if message["type"] == "websocket.send" and json.loads(message["text"])["type"] == "ready":
            failing = after_ready(inbox)

    headers = [(b"host", b"testserver")] + ([(b"cookie", cookie.encode())] if cookie else [])
    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
             "headers": headers, "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
             "subprotocols": [], "state": {}}
    try:
        await asyncio.wait_for(app(scope, receive, send), timeout=10)
    except Exception:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    return sent


async def connect_and_leave(app, path: str, query: str, cookie: str = "") -> list[dict]:
    """Open a socket, wait for its ``ready`` frame, then leave as a browser tab closing does."""
    def leave(inbox: asyncio.Queue) -> BaseException:
        inbox.put_nowait({"type": "websocket.disconnect", "code": 1001})
        return ClientDisconnected()

    return await drive(app, path, query, leave, cookie)


@pytest.mark.parametrize("side", ["buyer", "agent"])
def test_socket_closed_by_the_client_logs_no_error(world, caplog, side):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    buyer.send("你好，在吗")  # the buyer has a conversation, so their socket has something to replay
    if side == "buyer":
        path, query, cookie = "/ws/buyer", f"token={buyer.token}&last_event_id=0", ""
    else:
        path, query, cookie = "/ws/agent", "last_event_id=0", agent.cookie
    with caplog.at_level(logging.INFO):
        sent = world.run(connect_and_leave, world.client.app, path, query, cookie)
    assert sent[0]["type"] == "websocket.accept"
    assert any(m["type"] == "websocket.send" and '"ready"' in m["text"] for m in sent)
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def test_socket_closed_by_the_server_itself_logs_no_error(world, caplog):
    """uvicorn closes a socket whose keepalive ping went unanswered (a client's stalled network, a server
    behind at a peak) and refuses any later send with a RuntimeError; the client reconnects and resyncs from
    its last event id, so kefu ends that socket quietly instead of logging "socket failed" with a traceback."""
    from kefu.conversations.events import TYPING
    from kefu.conversations.models import Conversation
    from kefu.core.events import bus

    shop = world.shop()
    buyer = world.buyer(shop)
    first = buyer.send("你好，在吗").json()
    customer_id = None

    def keepalive_gave_up(inbox: asyncio.Queue) -> BaseException:
        loop = asyncio.get_running_loop()  # then an agent starts typing to the buyer, and the client is gone
        loop.call_later(0.05, bus.publish, {
            "id": None, "shop_id": shop.id, "type": TYPING, "conversation_id": first["conversation_id"],
            "customer_id": customer_id, "private": False,
            "data": {"who": "agent", "name": "小李", "conversation_id": first["conversation_id"], "assignee_id": None,
                     "status": "waiting"}})
        loop.call_later(0.3, inbox.put_nowait, {"type": "websocket.disconnect", "code": 1011})
        return RuntimeError("Unexpected ASGI message 'websocket.send', after sending 'websocket.close'.")

    async def go():
        nonlocal customer_id
        async with world.db.transaction() as s:
            customer_id = (await s.get(Conversation, first["conversation_id"])).customer_id
        return await drive(world.client.app, "/ws/buyer", f"token={buyer.token}", keepalive_gave_up)

    with caplog.at_level(logging.INFO):
        sent = world.run(go)
    assert any(m["type"] == "websocket.send" and '"ready"' in m["text"] for m in sent)
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
