"""The append-only event log and the bus that fans events out after commit.

Domain code calls ``record(session, ...)``: the event is queued on the session and written when that
transaction commits, numbered with the shop's next positions (1, 2, 3, ... with no holes). The numbers
come from the shop's counter row in ``event_streams``, the last lock any writer takes, held only for the
commit itself; so a shop's events commit in position order, and "everything after position N" never
skips one, on any number of instances. Only after the commit is an event handed to the bus; a rollback
drops it. Ephemeral signals (typing, queue places) skip the log and go straight to ``bus.publish`` with
``id`` None.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from kefu.core.clock import as_utc
from kefu.core.db import AFTER_COMMIT, Base, BigId, utcnow
from kefu.core.fanout import EventLog, Hub

log = logging.getLogger(__name__)
PENDING = "kefu_pending_events"
UNNUMBERED, NUMBER_LATER = "kefu_unnumbered_events", "kefu_committed_unnumbered_events"


class Event(Base):
    __tablename__ = "events"
    # ix_events_conversation: a conversation's events, for the privacy rules that take its words (kefu.privacy)
    __table_args__ = (Index("uq_events_shop_id_pos", "shop_id", "pos", unique=True),
                      Index("ix_events_conversation", "conversation_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    # the shop's position: the id clients see. NULL only inside the transaction that wrote the event, on
    # PostgreSQL, where a trigger numbers it during COMMIT (migration 0016)
    pos: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    type: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventStream(Base):
    """A shop's event counter: the last position handed out."""
    __tablename__ = "event_streams"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    last_pos: Mapped[int] = mapped_column(BigInteger, default=0)


def event_dict(ev: Event) -> dict[str, Any]:
    return {
        "id": ev.pos,
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
                 private: bool = False) -> dict[str, Any]:
    """Queue an event on this transaction; it is stored and numbered at commit (``id`` is set then)."""
    at = utcnow()
    ev = {"id": None, "shop_id": shop_id, "type": type_, "conversation_id": conversation_id,
          "customer_id": customer_id, "private": private, "data": data, "at": as_utc(at).isoformat(),
          "_at": at}
    session.sync_session.info.setdefault(PENDING, []).append(ev)
    return ev


@contextlib.asynccontextmanager
async def savepoint(session: AsyncSession) -> AsyncIterator[None]:
    """``session.begin_nested()`` that also forgets the events queued inside it when it rolls back."""
    pending = session.sync_session.info.setdefault(PENDING, [])
    mark = len(pending)
    try:
        async with session.begin_nested():
            yield
    except BaseException:
        del pending[mark:]
        raise


# One statement for both databases: a new shop's row is created, an existing one counts on; the row stays
# locked until commit, which is what orders a shop's commits.
_ADVANCE = text("INSERT INTO event_streams (shop_id, last_pos) VALUES (:shop, :n) ON CONFLICT (shop_id) "
                "DO UPDATE SET last_pos = event_streams.last_pos + :n RETURNING last_pos")


def _row(ev: dict[str, Any], pos: int | None) -> dict[str, Any]:
    return {"shop_id": ev["shop_id"], "pos": pos, "type": ev["type"], "conversation_id": ev["conversation_id"],
            "customer_id": ev["customer_id"], "private": ev["private"], "payload": ev["data"],
            "created_at": ev.pop("_at")}


@event.listens_for(Session, "before_commit")
def _number_and_store(session: Session) -> None:
    """Store the transaction's queued events: the writer's last statements before commit. Runs inside the
    async session's greenlet, so plain (sync) execute is fine here.

    PostgreSQL, one shop (every chat transaction): the rows go in without a position; the deferred trigger of
    migration 0016 advances the shop's counter and numbers them inside COMMIT, so the counter's lock lasts
    only as long as the server's commit, not a round trip and an event-loop turn of ours; the positions are
    read back after the commit (``publish_numbered``). Otherwise (SQLite; a rare transaction of several
    shops) the counter is advanced here, shops in id order, and the rows carry their positions."""
    pending = session.info.get(PENDING)
    if not pending:
        return
    session.flush()  # every other row change first: the counter is always the last lock taken
    table = Event.__table__
    by_shop: dict[int, list[dict[str, Any]]] = {}
    for ev in pending:
        by_shop.setdefault(ev["shop_id"], []).append(ev)
    if len(by_shop) == 1 and session.get_bind().dialect.name == "postgresql":
        ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                              [_row(ev, None) for ev in pending]).scalars().all()
        for ev, row_id in zip(pending, ids, strict=True):
            ev["_row"] = row_id
        session.info[UNNUMBERED] = list(pending)
        return
    rows = []
    for shop_id in sorted(by_shop):  # several shops in one transaction (rare): always in shop order
        evs = by_shop[shop_id]
        last = session.execute(_ADVANCE, {"shop": shop_id, "n": len(evs)}).scalar_one()
        for i, ev in enumerate(evs):
            ev["id"] = last - len(evs) + 1 + i
            rows.append(_row(ev, ev["id"]))
    session.execute(insert(table), rows)


async def publish_numbered(session: AsyncSession) -> None:
    """After a PostgreSQL commit: read the positions COMMIT gave this session's events (one round trip, no
    lock) and hand the events to the bus in position order. Should that read fail, the fan-out's poll of
    the log delivers them within seconds."""
    evs = session.sync_session.info.pop(NUMBER_LATER, None)
    if not evs:
        return
    try:
        conn = await session.connection()
        driver = (await conn.get_raw_connection()).driver_connection  # asyncpg, outside any transaction
        rows = await driver.fetch("SELECT id, pos FROM events WHERE id = ANY($1::bigint[])",
                                  [ev["_row"] for ev in evs])
    except Exception as exc:  # committed already: the poll of the log takes over
        log.warning("%s committed events not published at once (%s); the log poll delivers them", len(evs), exc)
        return
    positions = dict(rows)
    for ev in evs:
        ev["id"] = positions.get(ev.pop("_row"))
    for ev in sorted((ev for ev in evs if ev["id"] is not None), key=lambda ev: ev["id"]):
        bus.publish(ev)


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    later = session.info.pop(UNNUMBERED, None)
    if later:  # numbered by COMMIT: published by publish_numbered once their positions are read
        session.info.setdefault(NUMBER_LATER, []).extend(later)
    if pending:
        for ev in pending:
            if ev["id"] is not None:
                bus.publish(ev)


@event.listens_for(Session, "after_transaction_end")
def _drop_unpublished(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction ended (a savepoint: see savepoint())
        session.info.pop(PENDING, None)
        session.info.pop(UNNUMBERED, None)


async def last_event_id(session: AsyncSession, shop_id: int) -> int:
    return await session.scalar(select(EventStream.last_pos).where(EventStream.shop_id == shop_id)) or 0


async def events_after(session: AsyncSession, shop_id: int, after_id: int, limit: int = 1000) -> list[dict]:
    rows = await session.scalars(
        select(Event).where(Event.shop_id == shop_id, Event.pos > after_id).order_by(Event.pos).limit(limit))
    return [event_dict(e) for e in rows]


async def stream_heads(session: AsyncSession, shop_ids: list[int]) -> dict[int, int]:
    """The last position of each of these shops (one query, for the fan-out's catch-up poll)."""
    rows = await session.execute(select(EventStream.shop_id, EventStream.last_pos)
                                 .where(EventStream.shop_id.in_(shop_ids)))
    return {shop_id: pos for shop_id, pos in rows}


LOG = EventLog(after=events_after, head=last_event_id, heads=stream_heads)
AFTER_COMMIT.append(publish_numbered)


@dataclass(eq=False)
class Subscription:
    shop_id: int | None  # None: every shop (the router)
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    overflowed: bool = False

    async def get(self) -> dict[str, Any]:
        return await self.queue.get()


class EventBus:
    """In-process fan-out. ``publish`` is synchronous so it can run inside SQLAlchemy's commit hook.

    Two kinds of listeners: plain subscriptions (the router, tests) get every event as it arrives; the
    ``hub`` (kefu.core.fanout) puts each shop's events in position order, fills gaps from the log and
    hands each event only to the sockets entitled to it. A subclass (``kefu.core.redisbus.RedisBus``) also
    sends events through Redis so that several app instances see each other's events.
    """

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self.hub = Hub(LOG)

    @property
    def live(self) -> bool:
        """Whether other instances' events arrive as they happen (always, with one process)."""
        return True

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
        self.hub.receive(ev)

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    async def start(self, db: Any = None) -> None:
        await self.hub.start(db, self)

    async def stop(self) -> None:
        await self.hub.stop()


class BusProxy:
    """Module-level handle so the commit hook finds whichever bus the running app installed."""

    def __init__(self) -> None:
        self.target: EventBus | None = None

    def install(self, target: EventBus) -> None:
        self.target = target

    def __getattr__(self, name: str) -> Any:
        if self.target is None:
            self.target = EventBus()
        return getattr(self.target, name)


bus: Any = BusProxy()
