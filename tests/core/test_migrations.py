"""Alembic builds the whole schema from empty, and it matches the models exactly."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import kefu.models  # noqa: F401
from kefu.core.db import Base, Database

TABLES = {"shops", "agents", "agent_sessions", "customers", "conversations", "messages", "events", "timers"}


def schema_diff(db: Database) -> tuple[set[str], list]:
    async def go():
        async with db.engine.connect() as conn:
            def inspect_(c):
                ctx = MigrationContext.configure(c, opts={"compare_type": True})
                return set(inspect(c).get_table_names()), compare_metadata(ctx, Base.metadata)
            return await conn.run_sync(inspect_)
    return go()


def test_upgrade_from_empty_sqlite_matches_models(tmp_path):
    async def go():
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        await db.migrate()
        await db.migrate()  # a second upgrade is a no-op
        tables, diff = await schema_diff(db)
        await db.dispose()
        return tables, diff

    tables, diff = asyncio.run(go())
    assert tables >= TABLES
    assert diff == []


def test_test_database_was_migrated_from_empty_and_matches_models(world):
    """On PostgreSQL the session fixture drops every table first, so this checks a from-empty upgrade there."""
    tables, diff = world.run(lambda: schema_diff(world.db))
    assert TABLES | {"alembic_version"} <= tables
    assert diff == []
