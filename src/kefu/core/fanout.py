"""The socket fan-out: each shop's events in position order, each to the sockets entitled to it.

Events reach a process in any order: its own commits at once, other instances' through Redis, late ones
from the log. For every shop with open sockets the hub keeps the last position it handed on; an event
right after it goes out at once, a later one waits briefly for the missing ones and then they are read
from the log (a shop's positions commit in order, so a later one committed means the earlier ones are
there too). A catch-up poll reads the log when Redis is down, and now and then anyway, so a message lost
on the way costs a delay, never a message.

Who receives what is found through an index, not by offering every event to every socket:
  * the conversation's buyer (their own non-private events),
  * the shop's supervisors and admins (everything),
  * for chat traffic (messages, read receipts, typing) in a chat a person serves: that agent and any
    agent who has the chat open (the ``watch`` frame); while it waits: every agent (the waiting list),
  * anything else (conversation lifecycle, presence, alerts, hand-offs): every agent of the shop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from kefu.core import outage

log = logging.getLogger(__name__)

HOLD_SECONDS = 0.05  # how long a later event waits for a missing one before the log is read
POLL_LIVE_SECONDS = 2.0  # catch-up read of the log while Redis carries events
POLL_DEGRADED_SECONDS = 0.5  # ... and while it does not
GIVE_UP_TRIES = 200  # ... and after this many empty reads (10 s) the hole is reported and passed over
CHAT_TRAFFIC = frozenset({"message.created", "conversation.read", "typing"})
BUYER_ONLY = frozenset({"queue.position"})
# An agent's login ended (logout, account disabled, role changed): data {agent_id, session (one login's id, or
# None: all of them), reason}. No socket is sent it; the agent's sockets it names are closed, on every process.
SESSION_ENDED = "agent.session_ended"


class EventLog(NamedTuple):
    """The event log's reads the hub needs: a shop's events after a position, its head, several heads."""
    after: Callable[..., Awaitable[list[dict[str, Any]]]]
    head: Callable[..., Awaitable[int]]
    heads: Callable[..., Awaitable[dict[int, int]]]


class Socket(Protocol):
    shop_id: int
    customer_id: int | None
    agent_id: int | None
    full_view: bool
    watching: int | None

    def offer(self, env: Envelope) -> None: ...

    def tell(self, frame: dict[str, Any]) -> None: ...

    session: str | None  # an agent socket's login (a session id), None for a buyer

    def end(self, reason: str) -> None: ...


def event_frame(visible: dict[str, Any] | None) -> str | None:
    """An event as the text of the frame that carries it to a socket; None for an event not shown."""
    return None if visible is None else json.dumps({"type": "event", "event": visible}, ensure_ascii=False,
                                                   default=str)


class Envelope:
    """One event on its way to several sockets: its frame is made once for every socket that shares a view
    (all staff sockets share one: the event with personal details masked), then serialized once."""
    __slots__ = ("_frames", "ev")

    def __init__(self, ev: dict[str, Any]) -> None:
        self.ev = ev
        self._frames: dict[Callable, str | None] = {}

    def frame(self, view: Callable[[dict[str, Any]], dict[str, Any] | None]) -> str | None:
        """The event as ``view`` shows it, as a frame's text; None when it is not for that view."""
        if view not in self._frames:
            self._frames[view] = event_frame(view(self.ev))
        return self._frames[view]


@dataclass(eq=False)
class Stream:
    """One shop as this process sees it: how far its events have been handed on, and who listens."""
    last: int
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)
    filling: asyncio.Task | None = None
    buyers: dict[int, set] = field(default_factory=dict)
    agents: dict[int, set] = field(default_factory=dict)
    staff: set = field(default_factory=set)
    full: set = field(default_factory=set)
    watching: dict[int, set] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.staff and not self.buyers

    def recipients(self, ev: dict[str, Any]) -> set:
        out: set = set()
        customer = ev.get("customer_id")
        if customer is not None and not ev.get("private"):
            out |= self.buyers.get(customer, set())
        kind = ev.get("type")
        if kind in BUYER_ONLY:
            return out
        out |= self.full
        data = ev.get("data") or {}
        conv = data.get("conversation") or {}
        conv_id = ev.get("conversation_id")
        if kind in CHAT_TRAFFIC and conv_id is not None:
            assignee = conv.get("assignee_id", data.get("assignee_id"))
            status = conv.get("status", data.get("status"))
            if assignee is None or status == "waiting":
                return out | self.staff
            return out | self.agents.get(assignee, set()) | self.watching.get(conv_id, set())
        return out | self.staff

    def add(self, sock: Socket) -> None:
        if sock.agent_id is None:
            self.buyers.setdefault(sock.customer_id, set()).add(sock)
            return
        self.staff.add(sock)
        self.agents.setdefault(sock.agent_id, set()).add(sock)
        if sock.full_view:
            self.full.add(sock)

    def remove(self, sock: Socket) -> None:
        self.unwatch(sock)
        for index, key in ((self.buyers, sock.customer_id), (self.agents, sock.agent_id)):
            group = index.get(key)
            if group is not None:
                group.discard(sock)
                if not group:
                    del index[key]
        self.staff.discard(sock)
        self.full.discard(sock)

    def unwatch(self, sock: Socket) -> None:
        group = self.watching.get(sock.watching) if sock.watching is not None else None
        if group is not None:
            group.discard(sock)
            if not group:
                del self.watching[sock.watching]


class Hub:
    def __init__(self, log: EventLog | None = None) -> None:
        self.log = log  # how to read the event log (kefu.core.events hands it in: no import back)
        self.streams: dict[int, Stream] = {}
        self.db: Any = None
        self.bus: Any = None
        self._poller: asyncio.Task | None = None
        self._wake = asyncio.Event()

    async def start(self, db: Any, bus: Any) -> None:
        self.db, self.bus = db, bus
        if db is not None and self.log is not None:
            self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        tasks = [self._poller] + [s.filling for s in self.streams.values()]
        for task in tasks:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._poller = None

    # ---- sockets -------------------------------------------------------------------------------------

    async def attach(self, sock: Socket) -> None:
        """Index a socket. A shop seen for the first time starts at the log's head: everything up to it is
        committed, so the socket's own replay from the log covers it; everything after comes through here."""
        stream = self.streams.get(sock.shop_id)
        if stream is None:
            head = await self._head(sock.shop_id)
            stream = self.streams.get(sock.shop_id)  # another socket of the shop may have won the race
            if stream is None:
                stream = self.streams[sock.shop_id] = Stream(head)
        stream.add(sock)

    def detach(self, sock: Socket) -> None:
        stream = self.streams.get(sock.shop_id)
        if stream is None:
            return
        stream.remove(sock)
        if stream.empty:
            if stream.filling is not None:
                stream.filling.cancel()
            del self.streams[sock.shop_id]

    def watch(self, sock: Socket, conversation_id: int | None) -> None:
        """An agent opened a conversation (or closed it: None): its chat traffic reaches them too."""
        stream = self.streams.get(sock.shop_id)
        if stream is None:
            return
        stream.unwatch(sock)
        sock.watching = conversation_id
        if conversation_id is not None:
            stream.watching.setdefault(conversation_id, set()).add(sock)

    def tell_staff(self, frame: dict[str, Any]) -> None:
        for stream in self.streams.values():
            for sock in list(stream.staff):
                sock.tell(frame)

    @property
    def socket_count(self) -> int:
        return sum(len(s.staff) + sum(map(len, s.buyers.values())) for s in self.streams.values())

    # ---- events --------------------------------------------------------------------------------------

    def receive(self, ev: dict[str, Any]) -> None:
        stream = self.streams.get(ev.get("shop_id"))
        if stream is None:
            return
        pos = ev.get("id")
        if pos is None:  # ephemeral: no place in the order
            self._dispatch(stream, ev)
            return
        if pos <= stream.last:
            return  # seen already (a catch-up read and the live copy both arrived)
        if pos == stream.last + 1:
            self._dispatch(stream, ev)
            stream.last = pos
            self._drain(stream)
            return
        stream.pending[pos] = ev
        if stream.filling is None or stream.filling.done():
            stream.filling = asyncio.create_task(self._fill(ev["shop_id"], stream))

    def _drain(self, stream: Stream) -> None:
        while stream.pending:
            ev = stream.pending.pop(stream.last + 1, None)
            if ev is None:
                return
            self._dispatch(stream, ev)
            stream.last += 1

    def _dispatch(self, stream: Stream, ev: dict[str, Any]) -> None:
        if ev.get("type") == SESSION_ENDED:
            data = ev.get("data") or {}
            for sock in list(stream.agents.get(data.get("agent_id"), ())):
                if data.get("session") in (None, sock.session):
                    sock.end(data.get("reason") or "signed out")
            return
        env = Envelope(ev)
        for sock in stream.recipients(ev):
            sock.offer(env)

    async def _fill(self, shop_id: int, stream: Stream) -> None:
        """Later events wait; if the missing ones have not come by themselves, read them from the log."""
        try:
            await asyncio.sleep(HOLD_SECONDS)
            tries = 0
            while stream.pending and self.streams.get(shop_id) is stream:
                if min(stream.pending) == stream.last + 1:
                    self._drain(stream)
                    continue
                got = await self._read(shop_id, stream.last, min(stream.pending))
                for ev in got:
                    self.receive(ev)
                if stream.pending and min(stream.pending) != stream.last + 1 and not got:
                    tries += 1
                    if tries > GIVE_UP_TRIES:  # cannot happen while positions commit in order; never wedge
                        log.error("events %s..%s of shop %s are not in the log; going on without them",
                                  stream.last + 1, min(stream.pending) - 1, shop_id)
                        stream.last = min(stream.pending) - 1
                        continue
                    await asyncio.sleep(HOLD_SECONDS)  # not in the log yet: another short wait
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outage.log_failure(log, f"could not read missing events of shop {shop_id} from the log; retrying", exc)
            await asyncio.sleep(1)
            self._wake.set()

    async def _read(self, shop_id: int, after: int, before: int | None = None) -> list[dict[str, Any]]:
        if self.db is None or self.log is None:
            return []
        async with self.db.transaction() as s:
            evs = await self.log.after(s, shop_id, after, limit=500)
        return [e for e in evs if before is None or e["id"] < before]

    async def _head(self, shop_id: int) -> int:
        if self.db is None or self.log is None:
            return 0
        async with self.db.transaction() as s:
            return await self.log.head(s, shop_id)

    async def _poll(self) -> None:
        """Catch up from the log: how far each shop's log goes, one query; read only where we lag."""
        while True:
            live = self.bus is None or self.bus.live
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_LIVE_SECONDS if live else POLL_DEGRADED_SECONDS)
            self._wake.clear()
            if not self.streams:
                continue
            try:
                async with self.db.transaction() as s:
                    heads = await self.log.heads(s, list(self.streams))
                for shop_id, head in heads.items():
                    stream = self.streams.get(shop_id)
                    while stream is not None and head > stream.last and self.streams.get(shop_id) is stream:
                        got = await self._read(shop_id, stream.last)
                        if not got:
                            break
                        for ev in got:
                            self.receive(ev)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                outage.log_failure(log, "event log catch-up failed; trying again", exc)
                await asyncio.sleep(1)

    def catch_up(self) -> None:
        """Read the log now (Redis came back, or its connection was renewed)."""
        self._wake.set()
