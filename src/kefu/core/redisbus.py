"""Redis fan-out for the event bus: every app instance of a deployment publishes to the deployment's
channel and delivers what the others publish to its own sockets. Domain code is unchanged; only the bus
object differs.

Each process hands its own events to its sockets at once and sends them to Redis for the others, tagged
with its instance id (so it skips its own copies). Redis pub/sub keeps no history, so nothing depends on
it for completeness: the hub fills gaps from the event log, and while Redis is unreachable the bus is
"degraded": the hub polls the log, staff sockets are told, and Redis is retried until it answers again.

The channel carries a deployment namespace (``KEFU_NAMESPACE``; by default derived from the database
URL), so two deployments sharing one Redis server never see each other's events — pub/sub channels
ignore Redis's database number.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kefu.core.events import EventBus

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


def namespace_for(database_url: str) -> str:
    """A short stable name for the deployment that owns this database: host, port and database name,
    never the password."""
    parts = urlsplit(database_url.replace("+asyncpg", "").replace("+aiosqlite", ""))
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path
    if parts.scheme.startswith("sqlite"):
        path = os.path.realpath(path.lstrip("/")) if path not in ("", "/") else path
    canonical = urlunsplit((parts.scheme, netloc, path, "", ""))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def channel_for(namespace: str) -> str:
    return f"kefu:{namespace}:events"


class RedisBus(EventBus):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._channel = channel
        self._origin = uuid.uuid4().hex[:12]
        # how this process's own messages begin (json.dumps keeps the envelope's keys in order): they come back
        # from the channel too, and are skipped without decoding them
        self._own = json.dumps({"o": self._origin})[:-1].encode() + b","
        self._outbox: asyncio.Queue = asyncio.Queue(maxsize=100_000)
        self._tasks: list[asyncio.Task] = []
        self._live = False
        self._pubsub: Any = None

    @property
    def live(self) -> bool:
        return self._live

    @property
    def channel(self) -> str:
        return self._channel

    async def start(self, db: Any = None) -> None:
        await super().start(db)
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._write())]

    def _set_live(self, live: bool, why: str = "") -> None:
        if live == self._live:
            return
        self._live = live
        if live:
            log.info("redis bus live on %s", self._channel)
        else:
            log.warning("redis bus degraded (%s): other instances' events now come from the event log", why)
        self.hub.catch_up()
        self.hub.tell_staff({"type": "bus", "state": "live" if live else "degraded"})

    async def _read(self) -> None:
        while True:
            try:
                self._pubsub = self._redis.pubsub()
                await self._pubsub.subscribe(self._channel)
                self._set_live(True)
                while True:
                    msg = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if msg and msg.get("type") == "message":
                        self._receive(msg["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a dropped connection: degraded until it answers again
                self._set_live(False, type(exc).__name__)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._pubsub.aclose(), timeout=1)
                await asyncio.sleep(RETRY_SECONDS)

    def _receive(self, raw: bytes) -> None:
        if raw.startswith(self._own):
            return
        try:
            evs = json.loads(raw)["e"]
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("dropped a malformed bus message")
            return
        for ev in evs:
            self.deliver(ev)

    def publish(self, ev: dict[str, Any]) -> None:
        self.deliver(ev)  # this instance's sockets at once
        with contextlib.suppress(asyncio.QueueFull):  # Redis gone for long: the others read the log
            self._outbox.put_nowait(ev)

    async def _write(self) -> None:
        """One writer keeps this process's events in commit order on the channel; whatever queued up while
        it was busy goes as one message."""
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < 500:
                batch.append(self._outbox.get_nowait())
            if not self._live:
                continue  # the others poll the log meanwhile
            try:
                payload = json.dumps({"o": self._origin, "e": batch}, ensure_ascii=False, default=str)
                await self._redis.publish(self._channel, payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._set_live(False, type(exc).__name__)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # Never let a half-dead Redis connection hold up shutdown.
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pubsub.aclose(), timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._redis.aclose(), timeout=2)
        await super().stop()
