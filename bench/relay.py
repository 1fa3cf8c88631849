"""The baseline of `kefu bench chat`: a bare WebSocket relay on FastAPI + uvicorn, no persistence.

It speaks the part of kefu's client protocol the load generator uses, with the same URL shapes and frames:
``/ws/buyer?token=ID`` and ``/ws/agent`` (cookie ``kefu_session=ID``, ID the agent's number); a ``ready``
frame on connect; for each ``message`` frame an ``ack`` to the sender and a ``message.created`` event (ids
1, 2, 3, … in one sequence) to both sides. A buyer's first message opens a conversation and pairs it with the
next connected agent, round-robin (a ``conversation.updated`` event, action ``routed``, tells both). What
kefu does beyond this (storage, understanding, routing rules, resync) is what the ratio in the table costs.

Run: ``python -m bench.relay PORT`` (the bench starts it as a separate process).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import time

from fastapi import FastAPI, WebSocket, WebSocketDisconnect


class Relay:
    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.agents: dict[int, asyncio.Queue] = {}
        self.buyers: dict[str, asyncio.Queue] = {}
        self.conversation_of: dict[str, dict] = {}  # buyer token -> conversation
        self.conversations: dict[int, dict] = {}
        self.turn = itertools.count()
        self.conv_ids = itertools.count(1)
        self.seqs: dict[int, int] = {}

    def _event(self, kind: str, conv: dict, **data) -> str:
        ev = {"id": next(self.ids), "type": kind, "conversation_id": conv["id"], "data": {"conversation": conv, **data}}
        return json.dumps({"type": "event", "event": ev}, ensure_ascii=False)

    def _both(self, conv: dict, frame: str) -> None:
        for q in (self.buyers.get(conv["buyer"]), self.agents.get(conv["assignee_id"])):
            if q is not None:
                q.put_nowait(frame)

    def _open(self, token: str) -> dict:
        conv = self.conversation_of.get(token)
        if conv is None:
            ids = sorted(self.agents)
            agent = ids[next(self.turn) % len(ids)] if ids else None
            conv = {"id": next(self.conv_ids), "buyer": token, "assignee_id": agent,
                    "status": "assigned" if agent else "waiting"}
            self.conversation_of[token] = conv
            self.conversations[conv["id"]] = conv
            self._both(conv, self._event("conversation.updated", conv, action="routed"))
        return conv

    def message(self, conv: dict, sender: str, frame: dict) -> dict:
        seq = self.seqs[conv["id"]] = self.seqs.get(conv["id"], 0) + 1
        msg = {"conversation_id": conv["id"], "seq": seq, "sender": sender, "text": frame.get("text"),
               "client_msg_id": frame.get("client_msg_id"), "agent_id": conv["assignee_id"] if sender == "agent"
               else None, "created_at": time.time()}
        self._both(conv, self._event("message.created", conv, message=msg))
        return {"type": "ack", "client_msg_id": msg["client_msg_id"], "duplicate": False,
                "conversation_id": conv["id"], "message": msg}


def create_app() -> FastAPI:
    app = FastAPI()
    relay = Relay()

    async def pump(ws: WebSocket, queue: asyncio.Queue, handle) -> None:
        await ws.accept()
        await ws.send_text(json.dumps({"type": "ready", "last_event_id": 0}))

        async def writer() -> None:
            while True:
                await ws.send_text(await queue.get())

        task = asyncio.create_task(writer())
        try:
            while True:
                frame = json.loads(await ws.receive_text())
                if frame.get("type") == "ping":
                    queue.put_nowait(json.dumps({"type": "pong"}))
                elif frame.get("type") == "message":
                    queue.put_nowait(json.dumps(handle(frame), ensure_ascii=False))
        except WebSocketDisconnect:
            pass
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @app.websocket("/ws/buyer")
    async def buyer(ws: WebSocket) -> None:
        token = ws.query_params.get("token") or ""
        queue = relay.buyers[token] = asyncio.Queue()
        try:
            await pump(ws, queue, lambda f: relay.message(relay._open(token), "buyer", f))
        finally:
            relay.buyers.pop(token, None)

    @app.websocket("/ws/agent")
    async def agent(ws: WebSocket) -> None:
        agent_id = int(ws.cookies.get("kefu_session") or 0)
        queue = relay.agents[agent_id] = asyncio.Queue()
        try:
            await pump(ws, queue, lambda f: relay.message(relay.conversations[int(f["conversation_id"])], "agent", f))
        finally:
            relay.agents.pop(agent_id, None)

    @app.get("/healthz")
    async def healthz():
        return {"ok": True}

    return app


if __name__ == "__main__":
    import uvicorn

    from bench.chat_load import raise_nofile
    from kefu.cli import websocket_options
    from kefu.core.config import Settings

    raise_nofile()  # the same WebSocket settings as `kefu serve` (compression off unless KEFU_WS_COMPRESSION)
    uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                **websocket_options(Settings()))
