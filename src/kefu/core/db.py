"""Engine, sessions and migrations. Models use only types both SQLite and PostgreSQL have."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kefu.core.clock import now

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


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """Owns the engine and hands out one session (one transaction) per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

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
