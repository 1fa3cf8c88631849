"""The router: a background task that re-runs assignment when something changes.

It listens on the event bus (after commit, so it sees only what really happened) for what changes routing
(wants_pass: new buyers, messages that change a waiting buyer's mood, closed or requeued conversations,
presence changes) and runs a routing pass for that shop; a buyer message in a chat of an absent agent arms
that agent's requeue check. A sweep every ``sweep_seconds``, busy or not, covers anything missed (say,
events of another process when no Redis is configured, or a buyer whose small-talk hold ran out).
Several processes may run routers at once: passes take turns per shop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from kefu.agents import service as agents
from kefu.agents.models import Agent
from kefu.conversations.models import Conversation
from kefu.core import outage
from kefu.core.db import Database
from kefu.core.events import Subscription, bus
from kefu.handoffs.service import flag_abuse
from kefu.routing import service

log = logging.getLogger(__name__)
PASS_SLICE = 20  # assignments per routing transaction: a burst of new buyers never blocks the shop


def wants_pass(ev: dict) -> bool:
    """Whether an event changes what routing decides: a new buyer waiting, a conversation taken, requeued,
    transferred, closed or reopened (a seat freed or filled, a line changed), an agent's presence or capacity
    (agent.updated), or a message that changed routing state (the writer flags it: a waiting buyer's words
    that moved their intent, anger or abuse, or an agent's answer that took a waiting chat). Never a message
    in a chat an agent already has, a read receipt, or the router's own assignments."""
    kind, data = ev.get("type"), ev.get("data") or {}
    if kind in ("conversation.created", "agent.updated"):
        return True
    if kind == "conversation.updated":
        return data.get("action") != "routed"
    return kind == "message.created" and bool(data.get("routing"))


def written_to(ev: dict) -> int | None:
    """The agent of the chat a buyer just wrote to, if an agent has it."""
    if ev.get("type") != "message.created":
        return None
    data = ev.get("data") or {}
    conv = data.get("conversation") or {}
    if (data.get("message") or {}).get("sender") != "buyer" or conv.get("status") != "assigned":
        return None
    if conv.get("assignee_presence") == "online":  # as the writer saw it: the usual case needs no check
        return None
    return conv.get("assignee_id")


def abuse_to_hand_over(ev: dict) -> bool:
    """A buyer message read as abusive, in a chat whose agent is not an emotion-support agent."""
    if ev.get("type") != "message.created":
        return False
    msg = (ev.get("data") or {}).get("message") or {}
    return msg.get("sender") == "buyer" and bool(((msg.get("analysis") or {}).get("emotion") or {}).get("abusive"))


class Router:
    def __init__(self, db: Database, sweep_seconds: float = 5.0) -> None:
        self.db = db
        self.sweep_seconds = sweep_seconds
        self.sub: Subscription | None = None
        self._task: asyncio.Task | None = None
        self._positions: dict[int, tuple[int, int]] = {}  # last place told to each waiting buyer
        self._shop_of: dict[int, int] = {}
        self._sweep_at = 0.0  # time.monotonic() of the next sweep of every shop with buyers waiting

    async def start(self) -> None:
        self.sub = bus.subscribe(None, maxsize=10000)
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.sub:
            bus.unsubscribe(self.sub)
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                batch = await self._next_batch()
                shops = {ev["shop_id"] for ev in batch if wants_pass(ev)}
                for ev in batch:
                    if abuse_to_hand_over(ev):
                        await self.hand_over_abuse(ev["shop_id"], ev["conversation_id"])
                await self.requeue_if_absent({a for a in map(written_to, batch) if a})
                if time.monotonic() >= self._sweep_at:
                    self._sweep_at = time.monotonic() + self.sweep_seconds
                    async with self.db.transaction() as s:
                        shops |= set(await service.shops_with_waiting(s))
                for shop_id in shops:
                    await self.run_shop(shop_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                outage.log_failure(log, "routing pass failed", exc)
                await asyncio.sleep(1)

    async def _next_batch(self) -> list[dict]:
        assert self.sub is not None
        if self.sub.overflowed:  # fell behind: start afresh and let the sweep catch up
            self._sweep_at = 0.0
            bus.unsubscribe(self.sub)
            self.sub = bus.subscribe(None, maxsize=10000)
            return []
        try:
            first = await asyncio.wait_for(self.sub.get(), timeout=self.sweep_seconds)
        except TimeoutError:
            return []
        batch = [first]
        while not self.sub.queue.empty():
            batch.append(self.sub.queue.get_nowait())
        return batch

    async def hand_over_abuse(self, shop_id: int, conversation_id: int) -> None:
        async with self.db.transaction() as s:
            conv = await s.get(Conversation, conversation_id)
            if conv is None or conv.status != "assigned" or conv.assignee_id is None:
                return
            agent = await s.get(Agent, conv.assignee_id)
            if agent is None or agent.role == "emotion_support":
                return
            await flag_abuse(s, None, shop_id, conversation_id, note="系统识别到辱骂言语")

    async def requeue_if_absent(self, agent_ids: set[int]) -> None:
        """Buyers wrote to these agents' chats: an absent agent's requeue check is armed."""
        if agent_ids:
            async with self.db.transaction() as s:
                await agents.requeue_if_absent(s, agent_ids)

    async def run_shop(self, shop_id: int) -> list[tuple[int, int]]:
        made: list[tuple[int, int]] = []
        while True:  # a burst of new buyers is seated a slice per transaction, other writers in between
            more, places = await self.db.run(lambda s: service.route_and_queue(s, shop_id, limit=PASS_SLICE))
            made += more
            if len(more) < PASS_SLICE:
                break
        self.publish_positions(shop_id, places)
        return made

    def publish_positions(self, shop_id: int, places: list[dict]) -> None:
        """Tell each waiting buyer their place in their line and expected wait, or that nobody online can serve
        them (ephemeral: the widget asks on reconnect)."""
        live = {p["conversation_id"] for p in places}
        for gone in [c for c, _ in self._positions.items() if c not in live and self._shop_of.get(c) == shop_id]:
            self._positions.pop(gone, None)
            self._shop_of.pop(gone, None)
        for p in places:
            self._shop_of[p["conversation_id"]] = shop_id
            eta = p["eta_seconds"]
            key = (p["place"], -1 if eta is None else eta // 30)
            if self._positions.get(p["conversation_id"]) == key:
                continue
            self._positions[p["conversation_id"]] = key
            bus.publish({"id": None, "shop_id": shop_id, "type": "queue.position",
                         "conversation_id": p["conversation_id"], "customer_id": p["customer_id"], "private": False,
                         "data": {"conversation_id": p["conversation_id"], "position": p["place"],
                                  "eta_seconds": eta, "no_agent": p["no_agent"]}})
