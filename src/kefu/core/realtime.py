"""WebSocket plumbing shared by buyer and agent sockets.

A socket is indexed in the bus's hub *before* replaying the log from the client's last seen event id,
then pumps live events (in position order, only those meant for it), skipping any it already replayed.
Frames from the client are JSON objects with a ``type``; anything else closes that socket (code
1003/1008 with a reason) and touches nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from kefu.core import outage
from kefu.core.errors import KefuError
from kefu.core.events import bus
from kefu.core.fanout import event_frame
from kefu.core.limits import clean_json

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN = 1013
BUYER_QUEUE, STAFF_QUEUE = 1000, 10000  # events a socket may have waiting before it counts as too slow


class BadFrame(Exception):
    def __init__(self, reason: str, code: int = CLOSE_POLICY) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def parse_frame(raw: str | bytes | None, allowed: set[str]) -> dict[str, Any]:
    """Validate one client frame. Raises BadFrame with a short reason for anything malformed."""
    if raw is None or isinstance(raw, bytes):
        raise BadFrame("binary frames are not supported", CLOSE_UNSUPPORTED)
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise BadFrame("frame too large", CLOSE_POLICY)
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadFrame("frame is not valid JSON", CLOSE_UNSUPPORTED) from exc
    if not isinstance(frame, dict):
        raise BadFrame("frame must be a JSON object")
    if "\\u" in raw:  # an escape may hide a lone surrogate, which no database stores: made valid text
        frame = clean_json(frame)
    kind = frame.get("type")
    if not isinstance(kind, str) or kind not in allowed:
        raise BadFrame(f"unknown frame type: {str(kind)[:40]}")
    return frame


def error_frame(exc: KefuError, ref: Any = None) -> dict[str, Any]:
    return {"type": "error", "code": exc.code, "status": exc.status, "zh": exc.zh, "en": exc.en, "ref": ref,
            **exc.extra}


FrameHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]
Replay = Callable[[int], Awaitable[list[dict[str, Any]]]]
View = Callable[[dict[str, Any]], dict[str, Any] | None]


class Connection:
    """One socket: indexed in the bus's hub by who it is, with a bounded queue of events meant for it.

    ``customer_id`` for a buyer's socket; ``agent_id`` for staff (``full_view``: supervisors and admins,
    who see every event of the shop)."""

    def __init__(self, ws: WebSocket, shop_id: int, view: View,
                 on_frame: Callable[[], Awaitable[None]] | None = None, *, customer_id: int | None = None,
                 agent_id: int | None = None, full_view: bool = False, maxsize: int | None = None,
                 session: str | None = None) -> None:
        self.ws = ws
        self.shop_id = shop_id
        self.view = view
        self.on_frame = on_frame  # called for every valid client frame, pings included (a sign of life)
        self.customer_id, self.agent_id, self.full_view = customer_id, agent_id, full_view
        self.watching: int | None = None
        # A staff socket hears a whole shop's traffic at a peak: more room before it counts as too slow.
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize or (BUYER_QUEUE if agent_id is None else STAFF_QUEUE))
        self.overflowed = False
        self.session = session  # an agent's login (its session id): logging out ends the sockets it opened
        self.ended: str | None = None  # why the login behind this socket ended (then it closes)
        self._cut = asyncio.Event()  # set when the socket falls too far behind
        self.hub = bus.hub
        self._send_lock = asyncio.Lock()
        self.last_sent = 0

    async def attach(self) -> None:
        await self.hub.attach(self)

    def offer(self, env: Any) -> None:
        try:
            self.queue.put_nowait(env)
        except asyncio.QueueFull:
            # A client too slow to keep up is cut loose; it reconnects and resyncs from the log.
            self.overflowed = True
            self._cut.set()
            self.hub.detach(self)

    def tell(self, frame: dict[str, Any]) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.send_text(json.dumps(frame, ensure_ascii=False, default=str))

    async def send_text(self, text: str) -> None:
        async with self._send_lock:
            try:
                await self.ws.send_text(text)
            except RuntimeError as exc:  # the server closed it (uvicorn: keepalive ping unanswered): the end
                raise WebSocketDisconnect(1006, "closed by the server") from exc

    async def send_event(self, ev: dict[str, Any], env: Any = None) -> None:
        ev_id = ev.get("id")
        if ev_id is not None and ev_id <= self.last_sent:
            return
        # a live event's frame is made once for every socket of this view (all staff); a replayed one here
        text = env.frame(self.view) if env is not None else event_frame(self.view(ev))
        if ev_id is not None:
            self.last_sent = ev_id
        if text is not None:
            await self.send_text(text)

    async def replay(self, replay: Replay, after: int, ready: dict[str, Any] | None = None) -> None:
        self.last_sent = after
        while True:
            batch = await replay(self.last_sent)
            for ev in batch:
                await self.send_event(ev)
            if len(batch) < 500:
                break
        await self.send({"type": "ready", "last_event_id": self.last_sent, **(ready or {})})

    async def pump_events(self) -> None:
        while not self.overflowed:
            item = await self.queue.get()
            if isinstance(item, dict):
                await self.send(item)
            else:
                await self.send_event(item.ev, item)

    async def pump_frames(self, allowed: set[str], handle: FrameHandler) -> None:
        while True:
            msg = await self.ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            frame = parse_frame(msg.get("text") if msg.get("text") is not None else msg.get("bytes"), allowed)
            if self.on_frame is not None:
                await _to_the_end(self.on_frame())
            if frame["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            reply = await _to_the_end(_answer(handle, frame))
            if reply is not None:
                await self.send(reply)

    def end(self, reason: str) -> None:
        """The login behind this socket ended: close it now (policy), whatever it was doing."""
        self.ended = reason
        self._cut.set()
        self.hub.detach(self)

    async def watch_overflow(self) -> None:
        await self._cut.wait()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close our side, unless the client already left: a buyer closing the tab is normal, not an error."""
        self.hub.detach(self)
        if (self.ws.application_state != WebSocketState.CONNECTED
                or self.ws.client_state == WebSocketState.DISCONNECTED):
            return
        # The client may leave between the check and the close frame (the server then sees an OSError,
        # which Starlette raises as WebSocketDisconnect): that too is a normal end of the socket.
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await self.ws.close(code=code, reason=reason[:120])


async def _answer(handle: FrameHandler, frame: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return await handle(frame)
    except KefuError as exc:
        return error_frame(exc, frame.get("client_msg_id"))
    except Exception as exc:  # the database is unreachable: say so, keep the socket
        if not outage.is_db_outage(exc):
            raise
        outage.note(exc, "websocket frame")
        return error_frame(outage.DatabaseUnavailable(), frame.get("client_msg_id"))


def _settle(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("frame failed after its socket ended", exc_info=task.exception())


async def _to_the_end(work: Awaitable[Any]) -> Any:
    """Run a frame's work to its end even if the socket ends meanwhile (the socket's tasks are cancelled then):
    a transaction cut off half way would leave its connection in an unknown state. A message stored after the
    socket ended is acknowledged on the client's resend (same client_msg_id)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        task.add_done_callback(_settle)
        raise


async def serve(conn: Connection, replay: Replay, after: Callable[[], Awaitable[int]], allowed: set[str],
                handle: FrameHandler) -> None:
    """Run a connected socket until the client leaves, sends a bad frame, or falls behind."""
    code, reason = 1000, ""
    tasks: list[asyncio.Task] = []
    try:
        await conn.attach()
        await conn.replay(replay, await after(),
                          {"bus": "live" if bus.live else "degraded"})
        tasks = [asyncio.create_task(conn.pump_events()),
                 asyncio.create_task(conn.pump_frames(allowed | {"ping"}, handle)),
                 asyncio.create_task(conn.watch_overflow())]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if isinstance(exc, BadFrame):
                code, reason = exc.code, exc.reason
            elif isinstance(exc, WebSocketDisconnect):
                pass
            elif exc is not None and outage.is_db_outage(exc):
                outage.note(exc, "websocket")
                code, reason = CLOSE_TRY_AGAIN, "database unavailable: reconnect shortly"
            elif exc is not None:
                log.error("socket failed", exc_info=exc)
                code, reason = 1011, "internal error"
        if conn.ended:
            code, reason = CLOSE_POLICY, conn.ended
        elif conn.overflowed:
            code, reason = CLOSE_TRY_AGAIN, "too slow: reconnect with last_event_id"
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        await conn.close(code, reason)
