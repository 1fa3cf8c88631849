"""Alembic builds the whole schema from empty, and it matches the models exactly."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import kefu.models  # noqa: F401
from kefu.core.db import Base, Database

TABLES = {"shops", "agents", "agent_sessions", "customers", "conversations", "messages", "events", "timers",
          "handoffs", "kb_articles"}


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


# A shop, a buyer, a conversation and its message in the oldest schema (0002) every later one still reads.
OLD_ROWS = ("INSERT INTO shops (id, slug, name, created_at) VALUES (1, 'old', '老店', '2026-01-01')",
            "INSERT INTO customers (id, shop_id, visitor_id, display_name, vip_level, tags, created_at)"
            " VALUES (1, 1, 'v1', '老顾客', 0, '[]', '2026-01-01')",
            "INSERT INTO conversations (id, shop_id, customer_id, status, channel, last_seq, agent_unread,"
            " agent_read_seq, buyer_read_seq, last_preview, created_at)"
            " VALUES (1, 1, 1, 'waiting', 'widget', 1, 1, 0, 0, '在吗', '2026-01-01')",
            "INSERT INTO messages (shop_id, conversation_id, seq, sender, text, private, created_at)"
            " VALUES (1, 1, 1, 'buyer', '在吗', 0, '2026-01-01')")


async def old_database(path, revision: str) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate(revision)
    async with db.transaction() as s:
        for sql in OLD_ROWS:
            await s.execute(text(sql))
    return db


def downgrade(connection, revision: str) -> None:
    from alembic import command

    from kefu.core.db import alembic_config

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


async def row_counts(db: Database) -> list[int]:
    async with db.transaction() as s:
        return [await s.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("conversations", "messages")]


def test_upgrading_sqlite_with_data_keeps_every_row(tmp_path):
    """Batch migrations rebuild tables on SQLite; rows in child tables must survive (no FK cascade)."""
    async def go():
        db = await old_database(tmp_path / "old.db", "0002")
        await db.migrate()
        async with db.transaction() as s:
            fk_on = await s.scalar(text("PRAGMA foreign_keys"))
            lang = await s.scalar(text("SELECT lang FROM conversations WHERE id = 1"))
        counts = await row_counts(db)
        await db.dispose()
        return counts, fk_on, lang

    counts, fk_on, lang = asyncio.run(go())
    assert counts == [1, 1]
    assert fk_on == 1
    assert lang == "zh"  # conversations from before 0007 were all in Chinese


def test_conversation_language_migration_goes_down_and_up_again_on_sqlite(tmp_path):
    """0007 (conversations.lang) downgrades without losing a row and upgrades again."""
    async def go():
        db = await old_database(tmp_path / "down.db", "0007")
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # as Database.migrate does for batch rebuilds
            await conn.run_sync(downgrade, "0006")
            await conn.commit()
            columns = await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("conversations")})
            await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        down = await row_counts(db)
        await db.migrate()
        async with db.transaction() as s:
            lang = await s.scalar(text("SELECT lang FROM conversations WHERE id = 1"))
        up = await row_counts(db)
        await db.dispose()
        return columns, down, up, lang

    columns, down, up, lang = asyncio.run(go())
    assert "lang" not in columns and "greeted_at" in columns
    assert down == up == [1, 1]
    assert lang == "zh"


def test_agent_last_seen_migration_goes_down_and_up_again_on_sqlite(tmp_path):
    """0008 (agents.last_seen_at) downgrades and upgrades again; agents from before it have never been seen."""
    async def go():
        db = await old_database(tmp_path / "seen.db", "0008")
        async with db.transaction() as s:
            await s.execute(text("INSERT INTO agents (id, shop_id, username, display_name, password_hash, role,"
                                 " group_name, skills, max_chats, presence, active, created_at)"
                                 " VALUES (1, 1, 'li', '小李', 'x', 'agent', '售前', '[]', 5, 'online', 1,"
                                 " '2026-01-01')"))
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.run_sync(downgrade, "0007")
            await conn.commit()
            columns = await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("agents")})
            await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        await db.migrate()
        async with db.transaction() as s:
            row = (await s.execute(text("SELECT presence, last_seen_at FROM agents WHERE id = 1"))).one()
        await db.dispose()
        return columns, tuple(row)

    columns, row = asyncio.run(go())
    assert "last_seen_at" not in columns and "presence_until" in columns
    assert row == ("online", None)
