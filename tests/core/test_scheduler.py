"""Timers are rows: they run once when due on the app's clock, survive nothing in memory, and a
failing handler neither wedges the queue nor leaves half its work behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from kefu.core import scheduler
from kefu.core.scheduler import Timer, handles, run_due, schedule
from kefu.shops.models import Shop

ran: list[tuple[str, dict]] = []


async def due(db):
    """Run only this file's timers (other tests leave greeting timers behind)."""
    return await run_due(db, 100, {"test.ping", "test.fails"})


@handles("test.ping")
async def _ping(session, timer):
    ran.append((timer.key, timer.payload))


@handles("test.fails")
async def _fails(session, timer):
    session.add(Shop(slug=f"half-done-{timer.id}", name="should roll back"))
    await session.flush()
    raise RuntimeError("handler broke")


def test_timer_runs_once_when_due(world, frozen):
    shop = world.shop()
    ran.clear()

    async def arm():
        async with world.db.transaction() as s:
            await schedule(s, shop.id, "test.ping", frozen.now() + timedelta(seconds=15), key=f"greet-{shop.id}",
                           payload={"conversation_id": 7})

    world.run(arm)
    frozen.advance(seconds=14)
    assert world.run(due, world.db) == 0 and ran == []
    frozen.advance(seconds=1)
    assert world.run(due, world.db) == 1
    assert ran == [(f"greet-{shop.id}", {"conversation_id": 7})]
    frozen.advance(seconds=60)
    assert world.run(due, world.db) == 0


def test_rearming_by_key_replaces_the_pending_timer(world, frozen):
    shop = world.shop()
    ran.clear()

    async def arm(seconds):
        async with world.db.transaction() as s:
            await schedule(s, shop.id, "test.ping", frozen.now() + timedelta(seconds=seconds), key=f"k{shop.id}")

    world.run(arm, 10)
    world.run(arm, 30)
    frozen.advance(seconds=10)
    assert world.run(due, world.db) == 0
    frozen.advance(seconds=20)
    assert world.run(due, world.db) == 1 and len(ran) == 1


def test_failing_handler_is_recorded_and_its_writes_roll_back(world, frozen):
    shop = world.shop()

    async def arm_and_read():
        async with world.db.transaction() as s:
            t = await schedule(s, shop.id, "test.fails", frozen.now())
        await run_due(world.db, 100, {"test.fails"})
        async with world.db.transaction() as s:
            timer = await s.get(Timer, t.id)
            leftover = await s.scalar(select(Shop).where(Shop.slug == f"half-done-{t.id}"))
            return timer.outcome, timer.attempts, leftover

    outcome, attempts, leftover = world.run(arm_and_read)
    assert outcome.startswith("failed: handler broke") and attempts == 1 and leftover is None


def test_parallel_claimers_run_each_timer_once(world, frozen):
    shop = world.shop()
    ran.clear()

    async def go():
        async with world.db.transaction() as s:
            for i in range(20):
                await schedule(s, shop.id, "test.ping", frozen.now(), key=f"p{shop.id}-{i}")
        counts = await asyncio.gather(*[run_due(world.db, 100, {"test.ping"}) for _ in range(4)])
        return sum(counts)

    assert world.run(go) == 20
    assert sorted(k for k, _ in ran) == sorted(f"p{shop.id}-{i}" for i in range(20))
    assert scheduler._handlers["test.ping"] is _ping
