"""A buyer's widget resends what it is not sure was stored (a lost ack, a reconnect after a server died). A
client_msg_id already acknowledged is stored once, even after its conversation was closed: the resend must
not open a new conversation the agents see as a new buyer."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from kefu.conversations import service
from kefu.conversations.models import Conversation, Message
from tests.conversations.test_concurrency import visitor
from tests.conversations.test_realtime import until


def counts(world, shop) -> tuple[int, int]:
    async def go():
        async with world.db.transaction() as s:
            convs = await s.scalar(select(func.count(Conversation.id)).where(Conversation.shop_id == shop.id))
            return convs, await s.scalar(select(func.count(Message.id)).where(Message.shop_id == shop.id))
    return world.run(go)


def test_a_resend_after_the_agent_closed_the_chat_is_acknowledged_not_stored_again(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    first = buyer.send("我的快递到哪了", "x-1").json()
    conv = first["conversation_id"]
    agent.post(f"/api/conversations/{conv}/messages", {"text": "已发货，明天到"})
    assert agent.post(f"/api/conversations/{conv}/close").status_code == 200
    before = counts(world, shop)

    again = buyer.send("我的快递到哪了", "x-1")
    assert again.status_code == 201, again.text
    assert again.json()["duplicate"] is True and again.json()["conversation_id"] == conv
    assert again.json()["message"]["id"] == first["message"]["id"]
    assert counts(world, shop) == before  # no new conversation, no new message
    assert agent.get("/api/conversations?status=open").json()["conversations"] == []

    # the buyer writes again: a new conversation; the old resend still finds its message
    new = buyer.send("还有一个问题", "x-2").json()
    assert new["conversation_id"] != conv and new["duplicate"] is False
    late = buyer.send("我的快递到哪了", "x-1").json()
    assert late["duplicate"] is True and late["message"]["id"] == first["message"]["id"]
    assert counts(world, shop) == (before[0] + 1, before[1] + 1)


def test_another_buyers_same_client_msg_id_is_their_own_message(world):
    shop = world.shop()
    one, two = world.buyer(shop), world.buyer(shop)
    assert one.send("在吗", "1").json()["duplicate"] is False
    other = two.send("在吗", "1").json()  # widgets may count from 1: ids are per buyer
    assert other["duplicate"] is False and counts(world, shop) == (2, 2)


def test_a_resend_over_the_socket_after_close_is_acked_as_duplicate(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    with buyer.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        ws.send_json({"type": "message", "text": "退货地址是哪里", "client_msg_id": "w-7"})
        ack = until(ws, lambda f: f["type"] == "ack")
        assert ack["duplicate"] is False
    conv = ack["conversation_id"]
    agent.post(f"/api/conversations/{conv}/take")
    agent.post(f"/api/conversations/{conv}/close")
    before = counts(world, shop)
    with buyer.ws() as ws:  # the widget reconnects and resends what it holds
        until(ws, lambda f: f["type"] == "ready")
        ws.send_json({"type": "message", "text": "退货地址是哪里", "client_msg_id": "w-7"})
        again = until(ws, lambda f: f["type"] == "ack")
    assert again["duplicate"] is True and again["conversation_id"] == conv
    assert again["message"]["id"] == ack["message"]["id"]
    assert counts(world, shop) == before


def test_the_same_message_sent_at_once_from_two_tabs_is_stored_once(world, client):
    """Both copies read "not stored yet" before either holds the lock: the one that waited looks again."""
    shop = world.shop()

    async def go():
        customer = await visitor(world, client, shop)

        async def send(cid: str):
            async with world.db.transaction() as s:
                msg, conv, created = await service.post_buyer_message(s, customer, "同一句话", cid)
                return msg.id, conv.id, created

        opening = await asyncio.gather(*[send("t-1") for _ in range(4)])  # no conversation yet
        later = await asyncio.gather(*[send("t-2") for _ in range(4)])  # into the open one
        return opening, later

    for sent in world.run(go):
        assert len({m for m, _, _ in sent}) == 1 and len({c for _, c, _ in sent}) == 1
        assert sorted(created for _, _, created in sent) == [False, False, False, True]
    assert counts(world, shop) == (1, 2)
