"""`kefu bench events`: how many event-writing transactions one shop can commit per second.

Compares, in the same run and on the same database, the way events are numbered now (the shop's counter
row advanced in the commit, the last lock taken) with the earlier scheme as a baseline (a per-shop lock
taken at the transaction's first event and held through the rest of its work until commit). Each writer's
transaction looks like a chat message's: it locks its own conversation-like row, records an event, then
does the rest of its work (the FAQ bot, the read of the summary) before committing.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

WORK_SECONDS = 0.002  # the transaction's work after its first event (bot, payloads): awaited, as I/O would be


async def _writer(db, shop_id: int, stop_at: float, old_lock: bool, counts: list[int]) -> None:
    from kefu.core import events
    from kefu.core.db import advisory_xact_lock

    while time.perf_counter() < stop_at:
        async def one(s):
            if old_lock:
                await advisory_xact_lock(s, 0x6B656675, shop_id)
            await events.record(s, shop_id, "bench.event", {"n": 1})
            await s.execute(text("SELECT 1"))
            await asyncio.sleep(WORK_SECONDS)

        await db.run(one)
        counts[0] += 1


async def _measure(db, shop_id: int, writers: int, seconds: float, old_lock: bool) -> float:
    counts = [0]
    start = time.perf_counter()
    await asyncio.gather(*(_writer(db, shop_id, start + seconds, old_lock, counts) for _ in range(writers)))
    return counts[0] / (time.perf_counter() - start)


async def _run(writers: int, seconds: float) -> dict:
    from kefu.core.config import normalize_database_url
    from kefu.core.db import Database
    from kefu.shops.service import create_shop

    url = os.environ.get("KEFU_DATABASE_URL", "")
    url = normalize_database_url(url) if url else f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    db = Database(url)
    await db.migrate()
    async with db.transaction() as s:
        shop = await create_shop(s, f"bench-ev-{uuid.uuid4().hex[:8]}", "bench")
    try:
        baseline = await _measure(db, shop.id, writers, seconds, old_lock=True)
        now = await _measure(db, shop.id, writers, seconds, old_lock=False)
    finally:
        await db.dispose()
    return {"database": "postgresql" if url.startswith("postgresql") else "sqlite", "writers": writers,
            "work_ms": WORK_SECONDS * 1000, "lock_through_transaction_per_s": round(baseline, 1),
            "counter_at_commit_per_s": round(now, 1), "ratio": round(now / baseline, 2) if baseline else None}


def run(writers: int, seconds: float, out: str | None, echo=print) -> dict:
    result = asyncio.run(_run(writers, seconds))
    echo(f"{'scheme':<34}{'commits/s (one shop)':>22}")
    echo(f"{'per-shop lock held to commit':<34}{result['lock_through_transaction_per_s']:>22}")
    echo(f"{'counter advanced at commit':<34}{result['counter_at_commit_per_s']:>22}")
    echo(f"ratio {result['ratio']} · {writers} writers · {result['database']}")
    path = Path(out or f"bench/results/events-{time.strftime('%Y%m%d-%H%M%S')}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    echo(json.dumps(result))
    return result
