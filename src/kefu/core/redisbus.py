"""Redis fan-out for the event bus: every app instance publishes to one channel and delivers what it
reads from it to its own sockets. Domain code is unchanged; only the bus object differs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from kefu.core.events import EventBus

log = logging.getLogger(__name__)
CHANNEL = "kefu:events"


class RedisBus(EventBus):
    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._channel = channel
        self._reader: asyncio.Task | None = None
        self._writer: asyncio.Task | None = None
        self._outbox: asyncio.Queue = asyncio.Queue()

    async def start(self) -> None:
        self._pubsub = self._redis.pubsub()
        await self._pubsub.subscribe(self._channel)
        self._reader = asyncio.create_task(self._read())
        self._writer = asyncio.create_task(self._write())

    async def _read(self) -> None:
        while True:
            try:
                msg = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:  # a dropped connection: log and keep trying; clients resync from the log
                log.exception("redis bus read failed")
                await asyncio.sleep(1)
                continue
            if msg and msg.get("type") == "message":
                try:
                    self.deliver(json.loads(msg["data"]))
                except (ValueError, KeyError):
                    log.warning("dropped malformed bus message")

    def publish(self, ev: dict[str, Any]) -> None:
        # One writer keeps Redis order equal to commit order in this process.
        self._outbox.put_nowait(ev)

    async def _write(self) -> None:
        while True:
            ev = await self._outbox.get()
            try:
                await self._redis.publish(self._channel, json.dumps(ev, ensure_ascii=False, default=str))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis publish failed; delivering locally")
                self.deliver(ev)
            finally:
                self._outbox.task_done()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._outbox.join(), timeout=2)
        for task in (self._writer, self._reader):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        # Never let a half-dead Redis connection hold up shutdown.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._pubsub.unsubscribe(self._channel), timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._pubsub.aclose(), timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._redis.aclose(), timeout=2)
