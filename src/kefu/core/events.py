"""The append-only event log and the bus that fans events out after commit.

Domain code calls ``record(session, ...)``: the event row is written in the caller's transaction and
queued on the session; only when that transaction commits is it handed to the bus. A rollback drops
it. Ephemeral signals (typing) skip the log and go straight to ``bus.publish``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from kefu.core.clock import as_utc
from kefu.core.db import Base, BigId, advisory_xact_lock, utcnow

log = logging.getLogger(__name__)
PENDING = "kefu_pending_events"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_shop_id_id", "shop_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def event_dict(ev: Event) -> dict[str, Any]:
    return {
        "id": ev.id,
        "shop_id": ev.shop_id,
        "type": ev.type,
        "conversation_id": ev.conversation_id,
        "customer_id": ev.customer_id,
        "private": ev.private,
        "data": ev.payload,
        # SQLite gives naive datetimes back: always say it is UTC, so a browser shows the right local time
        "at": as_utc(ev.created_at).isoformat() if ev.created_at else None,
    }


async def record(session: AsyncSession, shop_id: int, type_: str, data: dict[str, Any], *,
                 conversation_id: int | None = None, customer_id: int | None = None,
                 private: bool = False) -> Event:
    await _serialize_shop_events(session, shop_id)
    ev = Event(shop_id=shop_id, type=type_, payload=data, conversation_id=conversation_id,
               customer_id=customer_id, private=private, created_at=utcnow())
    session.add(ev)
    await session.flush()
    session.sync_session.info.setdefault(PENDING, []).append(event_dict(ev))
    return ev


EVENT_LOCK_SPACE = 0x6B656675  # "kefu"


async def _serialize_shop_events(session: AsyncSession, shop_id: int) -> None:
    """Make a shop's event ids commit in id order, so "everything after id N" never skips one.

    On PostgreSQL a transaction takes a per-shop advisory lock before its first event and holds it to
    commit; SQLite serializes all writers anyway.
    """
    held = session.sync_session.info.setdefault("kefu_event_locks", set())
    if shop_id not in held:
        await advisory_xact_lock(session, EVENT_LOCK_SPACE, shop_id)
        held.add(shop_id)


async def last_event_id(session: AsyncSession, shop_id: int) -> int:
    return await session.scalar(select(func.max(Event.id)).where(Event.shop_id == shop_id)) or 0


async def events_after(session: AsyncSession, shop_id: int, after_id: int, limit: int = 1000) -> list[dict]:
    rows = await session.scalars(
        select(Event).where(Event.shop_id == shop_id, Event.id > after_id).order_by(Event.id).limit(limit))
    return [event_dict(e) for e in rows]


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    session.info.pop("kefu_event_locks", None)
    pending = session.info.pop(PENDING, None)
    if pending:
        for ev in pending:
            bus.publish(ev)


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop("kefu_event_locks", None)


@dataclass(eq=False)
class Subscription:
    shop_id: int | None  # None: every shop (the router)
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    overflowed: bool = False

    async def get(self) -> dict[str, Any]:
        return await self.queue.get()


class EventBus:
    """In-process fan-out. ``publish`` is synchronous so it can run inside SQLAlchemy's commit hook.

    A subclass (``kefu.core.realtime.RedisBus``) sends events through Redis so that several app
    instances see each other's events; domain code never notices the difference.
    """

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()

    def subscribe(self, shop_id: int | None, maxsize: int = 1000) -> Subscription:
        sub = Subscription(shop_id, asyncio.Queue(maxsize=maxsize))
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, ev: dict[str, Any]) -> None:
        self.deliver(ev)

    def deliver(self, ev: dict[str, Any]) -> None:
        for sub in list(self._subs):
            if sub.shop_id is not None and sub.shop_id != ev["shop_id"]:
                continue
            try:
                sub.queue.put_nowait(ev)
            except asyncio.QueueFull:
                # A client too slow to keep up is cut loose; it reconnects and resyncs from the log.
                sub.overflowed = True
                self._subs.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class BusProxy:
    """Module-level handle so the commit hook finds whichever bus the running app installed."""

    def __init__(self) -> None:
        self.target: EventBus = EventBus()

    def install(self, target: EventBus) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


bus: Any = BusProxy()
