"""Events reach the bus only after commit; a rollback publishes nothing; ids only grow."""

from __future__ import annotations

import asyncio
import os

import pytest

from kefu.core import events
from kefu.core.events import EventBus, bus


def test_event_is_published_after_commit_and_dropped_on_rollback(world):
    shop = world.shop()

    async def go():
        sub = bus.subscribe(shop.id)
        try:
            async with world.db.transaction() as s:
                await events.record(s, shop.id, "test.committed", {"n": 1})
                assert sub.queue.empty()  # not before commit
            got = await asyncio.wait_for(sub.get(), 5)
            with pytest.raises(RuntimeError):
                async with world.db.transaction() as s:
                    await events.record(s, shop.id, "test.rolled_back", {"n": 2})
                    raise RuntimeError("boom")
            async with world.db.transaction() as s:
                await events.record(s, shop.id, "test.after", {"n": 3})
            after = await asyncio.wait_for(sub.get(), 5)
            async with world.db.transaction() as s:
                stored = await events.events_after(s, shop.id, 0)
            return got, after, stored
        finally:
            bus.unsubscribe(sub)

    got, after, stored = world.run(go)
    assert got["type"] == "test.committed"
    assert after["type"] == "test.after" and after["id"] > got["id"]
    assert [e["type"] for e in stored] == ["test.committed", "test.after"]


def test_slow_subscriber_is_cut_loose_not_blocking_others():
    local = EventBus()
    slow, fast = local.subscribe(1), local.subscribe(1)
    for i in range(1001):
        local.publish({"id": i, "shop_id": 1, "type": "x"})
        fast.queue.get_nowait()
    assert slow.overflowed and not fast.overflowed
    assert local.subscriber_count == 1


@pytest.mark.skipif(not os.environ.get("KEFU_REDIS_URL"), reason="KEFU_REDIS_URL not set: Redis fan-out not tested")
def test_redis_bus_fans_out_between_two_instances():
    from kefu.core.redisbus import RedisBus

    async def go():
        channel = f"kefu:test:{os.getpid()}"
        one, two = RedisBus(os.environ["KEFU_REDIS_URL"], channel), RedisBus(os.environ["KEFU_REDIS_URL"], channel)
        await one.start()
        await two.start()
        try:
            sub_two = two.subscribe(42)
            sub_one = one.subscribe(42)
            await asyncio.sleep(0.1)
            one.publish({"id": 1, "shop_id": 42, "type": "message.created", "data": {"text": "跨实例"}})
            one.publish({"id": 2, "shop_id": 7, "type": "other.shop"})
            one.publish({"id": 3, "shop_id": 42, "type": "message.created", "data": {"text": "第二条"}})
            got_two = [await asyncio.wait_for(sub_two.get(), 5) for _ in range(2)]
            got_one = [await asyncio.wait_for(sub_one.get(), 5) for _ in range(2)]
            return got_one, got_two
        finally:
            await one.stop()
            await two.stop()

    got_one, got_two = asyncio.run(go())
    assert [e["id"] for e in got_two] == [1, 3] and got_two[0]["data"]["text"] == "跨实例"
    assert [e["id"] for e in got_one] == [1, 3]


def test_an_instance_skips_its_own_events_coming_back_from_redis_and_delivers_the_others():
    """Every instance receives its own messages from the channel too; it handed those events to its sockets
    already, so they are skipped (without decoding them), and another instance's are delivered."""
    import json

    from kefu.core.redisbus import RedisBus

    bus = RedisBus("redis://127.0.0.1:1/0", "kefu:test:own")  # never connects: no Redis needed
    sub = bus.subscribe(42)
    ev = {"id": 5, "shop_id": 42, "type": "message.created", "data": {"text": "你好"}}
    own = json.dumps({"o": bus._origin, "e": [ev]}, ensure_ascii=False).encode()
    assert own.startswith(bus._own)
    bus._receive(own)
    bus._receive(json.dumps({"o": "another12345", "e": [ev]}, ensure_ascii=False).encode())
    bus._receive(b"{not json")  # dropped with a warning, never raised
    assert sub.queue.qsize() == 1 and sub.queue.get_nowait()["id"] == 5


def test_replayed_events_say_when_they_happened_in_utc(world):
    """The supervisor's alerts list showed replayed alerts at the time the page loaded: the page read a field
    events do not have, and on SQLite the replayed ``at`` had no time zone (a browser in Beijing would read it
    as local time, 8 hours off). Live and replayed events carry the same, zone-qualified moment."""
    from datetime import datetime

    shop = world.shop()

    async def go():
        sub = bus.subscribe(shop.id)
        try:
            async with world.db.transaction() as s:
                await events.record(s, shop.id, "supervisor.alert", {"kind": "chats_requeued"}, private=True)
            live = await asyncio.wait_for(sub.get(), 5)
            async with world.db.transaction() as s:
                [stored] = await events.events_after(s, shop.id, 0)
            return live, stored
        finally:
            bus.unsubscribe(sub)

    live, stored = world.run(go)
    assert datetime.fromisoformat(stored["at"]).utcoffset() is not None
    assert datetime.fromisoformat(stored["at"]) == datetime.fromisoformat(live["at"])


def test_a_writer_about_to_commit_does_not_hold_up_the_shops_other_writers(world):
    """PostgreSQL numbers a shop's events inside COMMIT (migration 0016): a transaction that has written its
    last statement, event included, and is slow to send its COMMIT (its process busy elsewhere) does not hold
    the shop's counter, so other writers of the shop commit meanwhile; positions follow commit order, and each
    event reaches the bus with its position. Before, the counter was locked from that last statement on, and
    every other writer of the shop waited in line behind it."""
    if world.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    from kefu.core.db import Database

    shop = world.shop()
    other = Database(world.db.url)  # a second process's connections: not behind this one's gate

    async def go():
        sub = bus.subscribe(shop.id)
        try:
            async with world.db.transaction() as slow:
                await events.record(slow, shop.id, "test.slow", {"n": 1})
                await slow.run_sync(events._number_and_store)  # its last statement (as at commit), then a pause
                slow.sync_session.info[events.PENDING] = []  # stored already: not again when it does commit

                async def quick():
                    async with other.transaction() as s:
                        return await events.record(s, shop.id, "test.quick", {"n": 2})
                quick_ev = await asyncio.wait_for(quick(), 5)  # before: waited for the slow one's COMMIT
            got = [await asyncio.wait_for(sub.get(), 5) for _ in range(2)]
            async with world.db.transaction() as s:
                stored = await events.events_after(s, shop.id, 0)
            return quick_ev, got, stored
        finally:
            bus.unsubscribe(sub)
            await other.dispose()

    quick_ev, got, stored = world.run(go)
    assert [e["type"] for e in stored] == ["test.quick", "test.slow"]  # commit order
    assert [e["id"] for e in stored] == [1, 2]
    assert quick_ev["id"] == 1
    assert [(e["type"], e["id"]) for e in got] == [("test.quick", 1), ("test.slow", 2)]
