"""Timers as rows. A timer has a kind, a due time and a payload; the scheduler claims due timers
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several processes never run one twice), runs the handler
registered for its kind inside the claiming transaction, and marks it done. Nothing sleeps in memory:
a restart loses no timer, and tests advance the clock and call ``run_due`` directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core import events, outage
from kefu.core.clock import now
from kefu.core.db import Base, BigId, Database, utcnow

log = logging.getLogger(__name__)
Handler = Callable[[AsyncSession, "Timer"], Awaitable[None]]
_handlers: dict[str, Handler] = {}


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_pending", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs when a timer of ``kind`` falls due."""
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn
    return register


async def schedule(session: AsyncSession, shop_id: int, kind: str, due_at: datetime, *,
                   key: str | None = None, payload: dict[str, Any] | None = None) -> Timer:
    """Add a timer in the caller's transaction. With a key, an earlier pending timer of the same kind
    and key is replaced (e.g. re-arming a greeting)."""
    if key is not None:
        await cancel(session, kind, key)
    timer = Timer(shop_id=shop_id, kind=kind, key=key, due_at=due_at, payload=payload or {}, attempts=0,
                  created_at=now())
    session.add(timer)
    await session.flush()
    return timer


async def rearm(session: AsyncSession, shop_id: int, kind: str, key: str, due_at: datetime,
                payload: dict[str, Any] | None = None) -> None:
    """Move the pending timer of this kind and key to ``due_at``, or add one if none is pending: a timer
    pushed back again and again (a silence check) stays one row. Two transactions racing may each add
    one; handlers of such timers must be idempotent."""
    table = Timer.__table__
    moved = await session.execute(update(table).where(table.c.kind == kind, table.c.key == key,
                                                      table.c.done_at.is_(None)).values(due_at=due_at))
    if moved.rowcount == 0:
        await schedule(session, shop_id, kind, due_at, key=key, payload=payload)


async def cancel(session: AsyncSession, kind: str, key: str) -> int:
    pending = await session.scalars(select(Timer).where(Timer.kind == kind, Timer.key == key,
                                                        Timer.done_at.is_(None)))
    count = 0
    for timer in pending:
        timer.done_at, timer.outcome = now(), "cancelled"
        count += 1
    return count


async def drop(session: AsyncSession, kind: str, key: str) -> None:
    """Cancel the pending timer of this kind and key in one statement, unless a scheduler is running it right
    now (SKIP LOCKED: its handler sees the state this transaction commits). For a writer that holds other
    rows (a conversation it assigns) and must never wait for a timer row: no lock cycle with the job."""
    table = Timer.__table__
    pending = select(table.c.id).where(table.c.kind == kind, table.c.key == key, table.c.done_at.is_(None)) \
        .with_for_update(skip_locked=True).scalar_subquery()
    await session.execute(update(table).where(table.c.id.in_(pending)).values(done_at=now(), outcome="cancelled"))


async def run_due(db: Database, limit: int = 100, kinds: set[str] | None = None) -> int:
    """Claim and run every timer due by now (up to ``limit``, only ``kinds`` if given); returns how many ran."""
    ran = 0
    while ran < limit:
        async with db.transaction() as s:
            stmt = select(Timer).where(Timer.done_at.is_(None), Timer.due_at <= now())
            if kinds:
                stmt = stmt.where(Timer.kind.in_(kinds))
            stmt = stmt.order_by(Timer.due_at, Timer.id).limit(1).with_for_update(skip_locked=True)
            timer = await s.scalar(stmt)
            if timer is None:
                return ran
            if not await _claim(s, timer):
                continue  # another worker took it between our read and our write
            handler = _handlers.get(timer.kind)
            try:
                if handler is None:
                    raise LookupError(f"no handler for timer kind {timer.kind!r}")
                async with events.savepoint(s):
                    await handler(s, timer)
                timer.outcome = timer.outcome or "done"
            except Exception as exc:  # a failing handler must not wedge the queue
                log.exception("timer %s (%s) failed", timer.id, timer.kind)
                timer.outcome = f"failed: {exc}"[:500]
            ran += 1
    return ran


async def _claim(session: AsyncSession, timer: Timer) -> bool:
    """Mark the timer taken with a conditional UPDATE. PostgreSQL already holds the row lock; on SQLite
    this write is what serializes competing workers. If the process dies before commit, the claim rolls
    back and the timer runs later."""
    table = Timer.__table__
    result = await session.execute(
        update(table).where(table.c.id == timer.id, table.c.done_at.is_(None))
        .values(done_at=now(), attempts=table.c.attempts + 1))
    if result.rowcount != 1:
        return False
    await session.refresh(timer)
    return True


class Scheduler:
    """The background loop a server process runs: every ``interval`` seconds, run what is due."""

    def __init__(self, db: Database, interval: float = 1.0) -> None:
        self.db = db
        self.interval = interval
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                await run_due(self.db)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database down: one line every few seconds, not a traceback a second
                outage.log_failure(log, "scheduler pass failed", exc)
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
