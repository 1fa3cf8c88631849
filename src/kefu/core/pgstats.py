"""Table statistics on a PostgreSQL server that does not gather them itself (autovacuum off).

PostgreSQL plans a prepared statement once and keeps the plan while the statistics of its tables stay the
same. kefu's statements are prepared on each pooled connection; a plan made while the shop's tables were
nearly empty (a fresh database, the first minutes after an upgrade) walks whole tables once they have
grown: on a server with autovacuum off the buyer's resend lookup scanned every message, and PostgreSQL's CPU
per chat message rose from 1.0 to 3.4 ms within a minute of a peak (docs/performance.md). autovacuum, on by
default, re-analyzes a table once a tenth of it changed, and a new ANALYZE makes every connection plan
again. Where it is off, each kefu process checks every ``interval`` seconds and analyzes, by the same
threshold, the tables that need it; one process at a time (an advisory lock), nothing when autovacuum is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)
INTERVAL = 15.0  # seconds between checks
LOCK_KEY = 0x6B656675  # "kefu": one process analyzes at a time
# autovacuum's defaults: analyze once this many rows plus this share of the table changed since the last time
BASE_THRESHOLD, SCALE = 50, 0.1

STALE = """
SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > $1 + $2 * greatest(c.reltuples, 0)
ORDER BY s.relname
"""


async def autovacuum_on(conn: AsyncConnection) -> bool:
    return (await conn.exec_driver_sql("SHOW autovacuum")).scalar() == "on"


async def analyze_stale(conn: AsyncConnection) -> list[str]:
    """ANALYZE the tables of this schema that changed by more than autovacuum's threshold since their last
    analysis; returns their names ([] if another process is at it)."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection  # asyncpg: the catalog query with numeric parameters, one round trip
    if not await driver.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
        return []
    try:
        names = [r[0] for r in await driver.fetch(STALE, BASE_THRESHOLD, SCALE)]
        for name in names:
            await driver.execute(f'ANALYZE "{name}"')
        return names
    finally:
        await driver.fetchval("SELECT pg_advisory_unlock($1)", LOCK_KEY)


class StatisticsKeeper:
    """The background check (PostgreSQL only; started by the app when autovacuum is off)."""

    def __init__(self, engine, interval: float = INTERVAL) -> None:
        self.engine = engine
        self.interval = interval
        self._task: asyncio.Task | None = None

    async def start(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return False
        async with self.engine.connect() as conn:
            if await autovacuum_on(conn):
                return False
        log.warning("PostgreSQL autovacuum is off: kefu analyzes its tables itself as they grow")
        self._task = asyncio.create_task(self._loop())
        return True

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                async with self.engine.connect() as conn:
                    done = await analyze_stale(conn)
                    await conn.commit()
                if done:
                    log.info("analyzed %s", ", ".join(done))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an outage: the next check tries again
                log.warning("could not refresh table statistics: %s", exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
