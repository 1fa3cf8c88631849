"""Timers are rows: they run once when due on the app's clock, survive nothing in memory, and a
failing handler neither wedges the queue nor leaves half its work behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from kefu.core import scheduler
from kefu.core.scheduler import Timer, handles, handles_many, run_due, schedule
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


batches: list[list[str]] = []


@handles_many("test.many")
async def _many(session, timers):
    batches.append([t.key for t in timers])
    for t in timers:
        session.add(Shop(slug=f"many-{t.id}", name="a batch's write"))
        if t.payload.get("bad"):
            raise RuntimeError("one bad timer")
    await session.flush()


def test_timers_of_a_batch_kind_run_together_and_a_bad_one_fails_alone(world, frozen):
    shop = world.shop()
    batches.clear()

    async def go(bad: int | None):
        async with world.db.transaction() as s:
            ids = [(await schedule(s, shop.id, "test.many", frozen.now(), key=f"m{shop.id}-{bad}-{i}",
                                   payload={"bad": i == bad})).id for i in range(5)]
        ran = await run_due(world.db, 100, {"test.many"})
        async with world.db.transaction() as s:
            timers = [await s.get(Timer, i) for i in ids]
            written = set(await s.scalars(select(Shop.slug).where(Shop.slug.in_([f"many-{i}" for i in ids]))))
            return ran, [t.outcome for t in timers], [f"many-{i}" in written for i in ids]

    ran, outcomes, written = world.run(go, None)
    assert ran == 5 and outcomes == ["done"] * 5 and all(written)
    assert batches == [[f"m{shop.id}-None-{i}" for i in range(5)]]  # one call for the five

    batches.clear()
    ran, outcomes, written = world.run(go, 2)
    assert ran == 5 and len(batches) == 6  # the batch, then each one alone
    assert [o == "done" for o in outcomes] == [True, True, False, True, True]
    assert outcomes[2].startswith("failed: one bad timer") and written == [True, True, False, True, True]


def test_a_pass_that_ran_its_limit_runs_again_at_once():
    """A backlog (a thousand timers due at one instant) drains without the loop's pause between passes."""
    loop = scheduler.Scheduler(db=None, interval=1.0, limit=100)
    assert loop.pause(100) == 0.0 and loop.backlog(100)
    assert loop.pause(99) == 1.0 and not loop.backlog(99)
    assert loop.pause(0) == 1.0
