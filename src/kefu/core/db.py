"""Engine, sessions and migrations. Models use only types both SQLite and PostgreSQL have."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, String, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kefu.core.batch import GroupCommit
from kefu.core.clock import now
from kefu.core.config import private_file

log = logging.getLogger(__name__)
T = TypeVar("T")

# An auto-incrementing 64-bit id on PostgreSQL that is still SQLite's INTEGER PRIMARY KEY (rowid).
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return now()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class ChangeMixin:
    """A row of an append-only audit trail (a ticket's, an after-sale case's): one change of one field — who
    (``actor`` agent / buyer / system, and the agent), when, before → after. The class adds its parent's id."""
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    field: Mapped[str] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)


POOL_SIZE, POOL_OVERFLOW = 10, 20
# Transactions one process runs at once on PostgreSQL (KEFU_DB_CONCURRENCY). They all interleave on one event
# loop: past a few, each waits longer between its round trips without the process doing more, and whatever row
# locks it holds are held across those waits — at 30 the chat's latency went in waves of half a second at 260
# lines a second (docs/performance.md).
PG_CONCURRENCY = 4
BATCH_LOCK_TIMEOUT_MS = 100  # a PostgreSQL batch of chat frames waits this long for a row lock (kefu.core.batch)


def make_engine(url: str, sqlite_synchronous: str = "normal") -> AsyncEngine:
    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        from kefu.core.sqlite_inline import creator

        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:") and Path(path).parent.is_dir():
            # SQLite gives the -wal and -shm files the database file's mode: a kefu.db created 0600 keeps all
            # three private to kefu's user
            private_file(Path(path))
        inline = {"async_creator": creator(path, sqlite_synchronous)} if path and path != ":memory:" else {}
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True, **inline)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # No pre-ping (a round trip per transaction): a connection that died with a server restart fails its
    # first statement, the pool drops every connection of that time, and Database.run runs the work again.
    # hide_parameters: an error's message never quotes the values (a buyer's words) into a log or traceback
    return create_async_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, hide_parameters=True)


# Run after each Database.transaction commits, before it returns (kefu.core.events: hand to the bus the events
# PostgreSQL numbered inside COMMIT).
AFTER_COMMIT: list[Callable[[AsyncSession], Awaitable[None]]] = []
_holding: ContextVar[bool] = ContextVar("kefu_db_gate", default=False)
RETRY_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def is_retryable(exc: BaseException) -> bool:
    """A transaction lost to a deadlock or a serialization failure (PostgreSQL), to a connection the server
    dropped, or to a busy SQLite file: running it again is safe and is what the caller wants."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:  # the server went away (a restart): a fresh connection may well work
        return True
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in RETRY_SQLSTATES:
        return True
    return "database is locked" in str(orig)


class Database:
    """Owns the engine and hands out one session (one transaction) per unit of work.

    A gate bounds how many transactions run at once (PostgreSQL: ``concurrency``, default PG_CONCURRENCY, at
    most what the connection pool holds), so a burst waits its turn in order instead of timing out on the pool
    or crowding the event loop; on SQLite, which has one writer anyway, the gate
    lets one transaction through at a time, so two never race for the write lock (SQLite would refuse one
    of them at once instead of waiting). A transaction opened inside another on the same task passes.
    """

    def __init__(self, url: str, *, concurrency: int | None = None, sqlite_synchronous: str | None = None) -> None:
        self.url = url
        if sqlite_synchronous is None:  # commands and tools: the configured setting (KEFU_SQLITE_SYNCHRONOUS)
            from kefu.core.config import get_settings

            sqlite_synchronous = get_settings().sqlite_synchronous
        self.engine = make_engine(url, sqlite_synchronous)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.concurrency = 1 if self.is_sqlite else min(concurrency or PG_CONCURRENCY, POOL_SIZE + POOL_OVERFLOW)
        self._gates: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._groups: dict[asyncio.AbstractEventLoop, GroupCommit] = {}

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if _holding.get():
            yield
            return
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:  # one per event loop (tests and tools may run several loops in turn)
            self._gates = {k: v for k, v in self._gates.items() if not k.is_closed()}
            gate = self._gates[loop] = asyncio.Semaphore(self.concurrency)
        async with gate:
            token = _holding.set(True)
            try:
                yield
            finally:
                _holding.reset(token)

    async def run(self, fn: Callable[[AsyncSession], Awaitable[T]], attempts: int = 5) -> T:
        """``fn(session)`` in one transaction, run again (up to ``attempts`` times in all) when the database
        gave it up to a deadlock or a serialization failure: never a lost message for a lost lock race."""
        for attempt in range(1, attempts + 1):
            try:
                async with self.transaction() as session:
                    return await fn(session)
            except DBAPIError as exc:
                if attempt == attempts or not is_retryable(exc):
                    raise
                log.info("transaction retried after %s (attempt %s)", type(exc.orig).__name__, attempt)
                await asyncio.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    async def run_grouped(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``fn(session)`` committed with whatever other grouped work is queued meanwhile (kefu.core.batch): a
        transaction's fixed cost (on PostgreSQL also its round trips) is the bulk of a chat message's. SQLite:
        one batch at a time; PostgreSQL: up to ``concurrency`` batches, each with a short lock timeout."""
        loop = asyncio.get_running_loop()
        group = self._groups.get(loop)
        if group is None:
            self._groups = {k: v for k, v in self._groups.items() if not k.is_closed()}
            group = self._groups[loop] = (GroupCommit(self.run) if self.is_sqlite else
                                          GroupCommit(self.run, drains=self.concurrency, prelude=_lock_timeout))
        return await group.run(fn)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._turn(), self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            for hook in AFTER_COMMIT:
                await hook(session)

    async def migrate(self, revision: str = "head") -> None:
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                # Batch mode rebuilds a table by copy, drop and rename; with foreign keys on, dropping a
                # parent would cascade into its children. The pragma only works outside a transaction.
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.run_sync(run_alembic_upgrade, revision)
            await conn.commit()
            if self.is_sqlite:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} rows with dangling foreign keys")

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _lock_timeout(session: AsyncSession) -> None:
    from sqlalchemy import text

    await session.execute(text(f"SET LOCAL lock_timeout = '{BATCH_LOCK_TIMEOUT_MS}ms'"))


async def advisory_xact_lock(session, space: int, key: int) -> None:
    """Hold a PostgreSQL advisory lock until the transaction ends (a no-op on SQLite, which serializes
    writers by itself)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy import text

        await session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": space, "key": key})


async def with_database(fn, url: str | None = None):
    """For commands: open the configured database, bring its schema up to date, run ``fn(db)``, close."""
    from kefu.core.config import get_settings

    db = Database(url or get_settings().resolved_database_url())
    try:
        await db.migrate()
        return await fn(db)
    finally:
        await db.dispose()


def alembic_config():
    from alembic.config import Config

    here = Path(__file__).resolve().parent.parent
    cfg = Config()
    cfg.set_main_option("script_location", str(here / "migrations"))
    return cfg


def run_alembic_upgrade(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)
