"""The event spine: positions without holes in commit order, each event only to the sockets entitled to
it, in order, with gaps filled from the log; lock races retried; deployments kept apart on Redis."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from kefu.core import events
from kefu.core.fanout import Hub, Stream
from kefu.core.redisbus import channel_for, namespace_for
from tests.conversations.test_realtime import is_event, until


class FakeSocket:
    def __init__(self, shop_id: int, *, customer_id=None, agent_id=None, full_view=False) -> None:
        self.shop_id, self.customer_id, self.agent_id, self.full_view = shop_id, customer_id, agent_id, full_view
        self.watching = None
        self.got: list[dict] = []

    def offer(self, env) -> None:
        self.got.append(env.ev)

    def tell(self, frame) -> None:
        self.got.append(frame)


def _msg(pos, customer_id, assignee_id, status="assigned", conv_id=7, private=False):
    return {"id": pos, "shop_id": 1, "type": "message.created", "conversation_id": conv_id,
            "customer_id": customer_id, "private": private,
            "data": {"conversation": {"id": conv_id, "assignee_id": assignee_id, "status": status}}}


def test_a_message_in_a_served_chat_reaches_its_buyer_its_agent_and_supervisors_only():
    stream = Stream(last=0)
    buyer, other_buyer = FakeSocket(1, customer_id=10), FakeSocket(1, customer_id=11)
    agent, colleague = FakeSocket(1, agent_id=1), FakeSocket(1, agent_id=2)
    boss = FakeSocket(1, agent_id=3, full_view=True)
    for sock in (buyer, other_buyer, agent, colleague, boss):
        stream.add(sock)
    assert stream.recipients(_msg(1, 10, 1)) == {buyer, agent, boss}
    # a waiting buyer's line is for the whole waiting list; a private note never for the buyer
    assert stream.recipients(_msg(2, 10, None, "waiting")) == {buyer, agent, colleague, boss}
    assert stream.recipients(_msg(3, 10, 1, private=True)) == {agent, boss}
    # a colleague who opened the chat follows it; lifecycle events go to all staff; queue places to the buyer
    stream.watching[7] = {colleague}
    assert stream.recipients(_msg(4, 10, 1)) == {buyer, agent, colleague, boss}
    lifecycle = {"id": 5, "shop_id": 1, "type": "conversation.updated", "conversation_id": 7, "customer_id": 10,
                 "data": {"conversation": {"id": 7, "assignee_id": 1, "status": "assigned"}}}
    assert stream.recipients(lifecycle) == {buyer, agent, colleague, boss}
    place = {"id": None, "shop_id": 1, "type": "queue.position", "conversation_id": 7, "customer_id": 10, "data": {}}
    assert stream.recipients(place) == {buyer}


def test_the_hub_hands_events_on_in_position_order_and_drops_copies():
    async def go():
        hub = Hub()
        sock = FakeSocket(1, agent_id=1)
        await hub.attach(sock)  # no database: the shop starts at 0
        for pos in (1, 3, 2, 2, 4, 1):
            hub.receive(_msg(pos, 10, None, "waiting"))
        return [e["id"] for e in sock.got]

    assert asyncio.run(go()) == [1, 2, 3, 4]


def test_a_missing_event_is_read_from_the_log_and_nothing_is_skipped(world):
    """Another instance's event that never arrived (Redis dropped it): the later one waits, the missing one
    is read from the log, and the socket gets both in order."""
    shop = world.shop()

    async def go():
        async with world.db.transaction() as s:
            head = await events.last_event_id(s, shop.id)
        hub = Hub(events.LOG)
        await hub.start(world.db, None)
        sock = FakeSocket(shop.id, agent_id=1)
        await hub.attach(sock)
        stored = []
        for n in range(3):
            async with world.db.transaction() as s:
                stored.append(await events.record(s, shop.id, "test.step", {"n": n}))
        hub.receive(stored[0])
        hub.receive(stored[2])  # the middle one is "lost on the way"
        for _ in range(100):
            if len(sock.got) == 3:
                break
            await asyncio.sleep(0.02)
        await hub.stop()
        return head, [e["id"] for e in sock.got], [e["data"]["n"] for e in sock.got]

    head, ids, ns = world.run(go)
    assert ids == [head + 1, head + 2, head + 3] and ns == [0, 1, 2]


def test_positions_have_no_holes_and_a_rollback_or_failed_savepoint_stores_nothing(world):
    shop = world.shop()

    async def go():
        async with world.db.transaction() as s:
            await events.record(s, shop.id, "test.one", {})
        with pytest.raises(RuntimeError):
            async with world.db.transaction() as s:
                await events.record(s, shop.id, "test.rolled_back", {})
                raise RuntimeError("boom")
        async with world.db.transaction() as s:
            with pytest.raises(RuntimeError):
                async with events.savepoint(s):
                    await events.record(s, shop.id, "test.in_failed_savepoint", {})
                    raise RuntimeError("handler failed")
            await events.record(s, shop.id, "test.two", {})
            await events.record(s, shop.id, "test.three", {})
        async with world.db.transaction() as s:
            return await events.events_after(s, shop.id, 0), await events.last_event_id(s, shop.id)

    stored, head = world.run(go)
    assert [e["type"] for e in stored] == ["test.one", "test.two", "test.three"]
    assert [e["id"] for e in stored] == [1, 2, 3] and head == 3  # each shop counts from 1, no holes


def test_a_lost_lock_race_is_run_again_not_surfaced(world):
    calls = []

    class Deadlock(Exception):
        sqlstate = "40P01"

    async def work(session):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE conversations ...", {}, Deadlock("deadlock detected"))
        return "stored"

    assert world.run(world.db.run, work) == "stored" and len(calls) == 2

    async def broken(session):
        raise OperationalError("SELECT 1", {}, Exception("no such table"))

    with pytest.raises(OperationalError):  # anything else is not retried
        world.run(world.db.run, broken)


def test_each_deployment_has_its_own_redis_channel():
    a = namespace_for("postgresql+asyncpg://kefu:secret@db1:5432/shop_a")
    assert a == namespace_for("postgresql://kefu:other-password@db1:5432/shop_a")  # the password is no part of it
    assert a != namespace_for("postgresql://kefu@db1:5432/shop_b")
    assert a != namespace_for("postgresql://kefu@db2:5432/shop_a")
    assert "secret" not in channel_for(a) and channel_for(a) != channel_for(namespace_for("sqlite:///x.db"))


def test_a_plain_agent_gets_a_colleagues_chat_only_while_watching_it(world):
    shop = world.shop()
    serving, colleague = world.agent(shop, name="小李"), world.agent(shop, name="小王")
    buyer = world.buyer(shop)
    conv_id = buyer.send("我的订单什么时候发货").json()["conversation_id"]
    assert serving.post(f"/api/conversations/{conv_id}/take").status_code == 200
    with serving.ws() as sws, colleague.ws() as cws, buyer.ws() as bws:
        for ws in (sws, cws, bws):
            until(ws, lambda f: f["type"] == "ready")
        bws.send_json({"type": "message", "text": "麻烦快一点", "client_msg_id": "f-1"})
        until(bws, lambda f: f["type"] == "ack")
        assert until(sws, is_event("message.created"))["event"]["data"]["message"]["text"] == "麻烦快一点"
        cws.send_json({"type": "watch", "conversation_id": conv_id})
        cws.send_json({"type": "ping"})  # frames are handled in order: after the pong, the watch is in place
        first = until(cws, lambda f: f["type"] in ("pong", "event"))
        assert first["type"] == "pong", "the colleague got a chat that is not theirs before watching it"
        bws.send_json({"type": "message", "text": "在吗", "client_msg_id": "f-2"})
        got = until(cws, is_event("message.created"))["event"]
        assert got["data"]["message"]["text"] == "在吗"


def test_without_redis_other_instances_events_come_from_the_log(world):
    """Redis unreachable: the bus says degraded and the hub reads the log every half second, so an event
    committed by another instance still reaches this instance's socket."""
    from kefu.core.redisbus import RedisBus

    shop = world.shop()

    async def go():
        other = RedisBus("redis://127.0.0.1:1/0", channel_for("test-down"))  # nothing listens on port 1
        await other.start(world.db)
        sock = FakeSocket(shop.id, agent_id=1)
        await other.hub.attach(sock)
        await asyncio.sleep(0.3)
        live_before = other.live
        async with world.db.transaction() as s:  # committed "elsewhere": published on the test app's bus only
            ev = await events.record(s, shop.id, "test.elsewhere", {"n": 1})
        for _ in range(60):
            if sock.got:
                break
            await asyncio.sleep(0.05)
        await other.stop()
        return live_before, ev["id"], [e["id"] for e in sock.got if "id" in e]

    live_before, pos, got = world.run(go)
    assert live_before is False and got == [pos]
