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
from kefu.core.clock import as_utc, now
from kefu.core.db import Base, BigId, Database, utcnow

log = logging.getLogger(__name__)
Handler = Callable[[AsyncSession, "Timer"], Awaitable[None]]
ManyHandler = Callable[[AsyncSession, "list[Timer]"], Awaitable[None]]
BATCH = 20  # timers of a handles_many kind claimed and run in one transaction
_handlers: dict[str, Handler] = {}
_many: dict[str, ManyHandler] = {}


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
        _many.pop(kind, None)
        return fn
    return register


def handles_many(kind: str) -> Callable[[ManyHandler], ManyHandler]:
    """Register a function that runs the due timers of ``kind`` claimed together, in one call: for kinds that
    fall due by the thousand at one instant (every ticket's SLA warning at the start of a working day), so a
    batch costs one read of its rows and one write of its results, not one of each per timer. Should it raise,
    its timers run again one by one, each in its own savepoint, so one bad timer fails alone."""
    def register(fn: ManyHandler) -> ManyHandler:
        _many[kind] = fn
        _handlers.pop(kind, None)
        return fn
    return register


async def schedule(session: AsyncSession, shop_id: int, kind: str, due_at: datetime, *,
                   key: str | None = None, payload: dict[str, Any] | None = None) -> Timer:
    """Add a timer in the caller's transaction. With a key, an earlier pending timer of the same kind
    and key is replaced (e.g. re-arming a greeting)."""
    if key is not None:
        await cancel(session, kind, key)
    timer = add(session, shop_id, kind, due_at, key=key, payload=payload)
    await session.flush()
    return timer


def add(session: AsyncSession, shop_id: int, kind: str, due_at: datetime, *, key: str | None = None,
        payload: dict[str, Any] | None = None) -> Timer:
    """Add a timer whose key no pending timer can have (e.g. named after a row just inserted): no lookup, no
    flush — a batch of them goes in with the caller's next flush."""
    timer = Timer(shop_id=shop_id, kind=kind, key=key, due_at=due_at, payload=payload or {}, attempts=0,
                  created_at=now())
    session.add(timer)
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


Wanted = dict[tuple[str, str], tuple[datetime, dict[str, Any]]]


async def converge(session: AsyncSession, shop_id: int, kinds: tuple[str, ...], keys: list[str],
                   want: Wanted) -> None:
    """Make the pending timers of these kinds and keys exactly ``want`` ({(kind, key): (due_at, payload)}): one
    read, then only the differences written — a timer already pending as wanted stays, any other is cancelled, a
    missing one is added. Re-arming an object's timers several times in one request costs a read each."""
    pending = await session.scalars(select(Timer).where(Timer.key.in_(keys), Timer.kind.in_(kinds),
                                                        Timer.done_at.is_(None)))
    todo = dict(want)
    for timer in pending:
        wanted = todo.get((timer.kind, timer.key))
        if wanted is not None and as_utc(timer.due_at) == as_utc(wanted[0]) and timer.payload == wanted[1]:
            del todo[timer.kind, timer.key]
        else:
            timer.done_at, timer.outcome = now(), "cancelled"
    for (kind, key), (due_at, payload) in todo.items():
        add(session, shop_id, kind, due_at, key=key, payload=payload)


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


async def run_due(db: Database, limit: int = 100, kinds: set[str] | None = None, batch: int = BATCH) -> int:
    """Claim and run every timer due by now (up to ``limit``, only ``kinds`` if given); returns how many ran.
    Timers of a ``handles_many`` kind are claimed up to ``batch`` at a time and run together; any other timer
    runs in a transaction of its own."""
    ran = 0
    while ran < limit:
        async with db.transaction() as s:
            # One timer a transaction, as its handler may lock a chat's rows (a greeting): a batch would hold
            # 20 chats' rows at once, and their buyers' messages wait for it. Only the kinds that run together
            # (handles_many: SLA warnings, which lock no chat) take up to ``batch`` of their kind at once.
            timers = await _claim(s, 1, kinds)
            if timers and timers[0].kind in _many and min(batch, limit - ran) > 1:
                timers += await _claim(s, min(batch, limit - ran) - 1, {timers[0].kind}) or []
            if timers:
                await _run_all(s, timers)
        if timers is None:
            return ran
        ran += len(timers)  # [] when another worker took them between our read and our write: look again
        await asyncio.sleep(0)  # SQLite runs a transaction without yielding: let the loop's other work in
    return ran


async def _claim(session: AsyncSession, n: int, kinds: set[str] | None) -> list[Timer] | None:
    """Take up to ``n`` due timers, earliest first (None: nothing is due): locked (SKIP LOCKED: another worker's
    are passed over), then marked taken by a conditional UPDATE, which on SQLite is what serializes competing
    workers. If the process dies before commit, the claim rolls back and the timers run later.

    Ordered as ix_timers_pending is, ``done_at`` (NULL in every row here) first: PostgreSQL does not count
    ``IS NULL`` as fixing a column, so ordered by ``due_at, id`` it read and sorted every due timer at each
    claim (32 ms with 15,000 due at once, docs/performance.md); now it reads ``n`` index entries. Timers due
    at the same instant run in index order (by id on SQLite, by place in the table on PostgreSQL)."""
    due = select(Timer.id).where(Timer.done_at.is_(None), Timer.due_at <= now())
    if kinds:
        due = due.where(Timer.kind.in_(kinds))
    ids = list(await session.scalars(due.order_by(Timer.done_at, Timer.due_at).limit(n)
                                     .with_for_update(skip_locked=True)))
    if not ids:
        return None
    claimed = await session.scalars(
        update(Timer).where(Timer.id.in_(ids), Timer.done_at.is_(None))
        .values(done_at=now(), attempts=Timer.attempts + 1).returning(Timer),
        execution_options={"synchronize_session": False})
    return sorted(claimed, key=lambda t: (t.due_at, t.id))


async def _run_all(session: AsyncSession, timers: list[Timer]) -> None:
    """Run what one claim took: a single timer, or a batch of one ``handles_many`` kind, run together in one
    savepoint (and one by one should the batch fail)."""
    many = _many.get(timers[0].kind) if len(timers) > 1 else None
    if many is not None:
        try:
            async with events.savepoint(session):
                await many(session, timers)
        except Exception:  # one by one below finds (and logs) the timer that fails
            log.info("timers %s… (%s) failed together: running them one by one", timers[0].id, timers[0].kind)
        else:
            for timer in timers:
                timer.outcome = timer.outcome or "done"
            return
    for timer in timers:
        await _run(session, timer)


async def _run(session: AsyncSession, timer: Timer) -> None:
    many = _many.get(timer.kind)
    handler = _handlers.get(timer.kind)
    try:
        if handler is None and many is None:
            raise LookupError(f"no handler for timer kind {timer.kind!r}")
        async with events.savepoint(session):
            await (many(session, [timer]) if many is not None else handler(session, timer))
        timer.outcome = timer.outcome or "done"
    except Exception as exc:  # a failing handler must not wedge the queue
        log.exception("timer %s (%s) failed", timer.id, timer.kind)
        timer.outcome = f"failed: {exc}"[:500]


class Scheduler:
    """The background loop a server process runs: a pass runs what is due (``limit`` timers at most), then the
    loop pauses for ``pause(ran)`` seconds."""

    def __init__(self, db: Database, interval: float = 1.0, limit: int = 100) -> None:
        self.db = db
        self.interval = interval
        self.limit = limit
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def sweep(self) -> int:
        """One pass: run the timers due by now; returns how many ran."""
        return await run_due(self.db, self.limit)

    def backlog(self, ran: int) -> bool:
        """Whether a pass that ran ``ran`` timers may have left due ones behind."""
        return ran >= self.limit

    def pause(self, ran: int) -> float:
        """Seconds until the next pass: none while a backlog is left (a pass that ran its ``limit``), so a
        thousand timers falling due at one instant run in a few seconds, not ``limit`` a second."""
        return 0.0 if self.backlog(ran) else self.interval

    async def _loop(self) -> None:
        while True:
            ran = 0
            try:
                ran = await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database down: one line every few seconds, not a traceback a second
                outage.log_failure(log, "scheduler pass failed", exc)
            await asyncio.sleep(self.pause(ran))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
