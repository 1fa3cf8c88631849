"""PostgreSQL without autovacuum: a plan made while a table was nearly empty walked the whole table for as long
as the connection lived (the buyer's resend lookup scanned every message). kefu.core.pgstats analyzes the
tables that grew, and PostgreSQL plans again."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from kefu.core.pgstats import analyze_stale, autovacuum_on


def test_a_statement_planned_on_a_small_table_uses_its_index_once_the_table_grew(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    asyncio.run(_grown(database_url))


async def _seq_scans(admin: asyncpg.Connection) -> int:
    await admin.execute("SELECT pg_stat_clear_snapshot()")
    return await admin.fetchval("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'probe_line'")


async def _grown(url: str) -> None:
    """The resend lookup's shape: a buyer's line under a client id, in any of the buyer's chats."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    admin, app = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    engine = create_async_engine(url)
    try:
        await admin.execute("DROP TABLE IF EXISTS probe_line, probe_chat")
        await admin.execute("CREATE TABLE probe_chat (id serial PRIMARY KEY, buyer int NOT NULL)")
        await admin.execute("CREATE INDEX ix_probe_chat_buyer ON probe_chat (buyer)")
        await admin.execute("CREATE TABLE probe_line (id serial PRIMARY KEY, chat int NOT NULL, cid text, "
                            "UNIQUE (chat, cid))")
        await admin.execute("INSERT INTO probe_chat (buyer) SELECT i FROM generate_series(1, 3) i")
        await admin.execute("INSERT INTO probe_line (chat, cid) SELECT 1, 'c' || i FROM generate_series(1, 3) i")
        lookup = await app.prepare("SELECT id FROM probe_line WHERE chat IN (SELECT id FROM probe_chat "
                                   "WHERE buyer = $1) AND cid = $2 LIMIT 1")
        for _ in range(6):  # PostgreSQL settles on a generic plan after five runs
            await lookup.fetchval(1, "c1")
        await admin.execute("INSERT INTO probe_chat (buyer) SELECT i FROM generate_series(4, 2000) i")
        await admin.execute("INSERT INTO probe_line (chat, cid) SELECT 1 + i % 2000, 'c' || i "
                            "FROM generate_series(4, 40000) i")

        async def flush() -> None:  # the connections report their counters now, not within a second
            for conn in (app, admin):
                await conn.execute("SELECT pg_stat_force_next_flush()")
                await conn.execute("SELECT 1")

        async def run_lookup() -> int:
            await flush()
            before = await _seq_scans(admin)
            assert await lookup.fetchval(1, "c2000") is not None
            await flush()
            return await _seq_scans(admin) - before

        async with engine.connect() as conn:
            vacuuming = await autovacuum_on(conn)
        scanned = await run_lookup()
        if vacuuming and scanned == 0:
            pytest.skip("this server's autovacuum re-analyzed the tables already")
        assert scanned == 1  # the plan made on three rows: a scan of all 40,000 lines for one

        async with engine.connect() as conn:
            assert {"probe_chat", "probe_line"} <= set(await analyze_stale(conn))
            assert "probe_line" not in await analyze_stale(conn)  # analyzed: nothing to do until it changes again
        assert await run_lookup() == 0  # planned again on the statistics: through the indexes
    finally:
        await admin.execute("DROP TABLE IF EXISTS probe_line, probe_chat")
        await admin.close()
        await app.close()
        await engine.dispose()
