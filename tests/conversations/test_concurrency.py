"""Many writers on one conversation: every message stored once with a unique, gap-free sequence number."""

from __future__ import annotations

import asyncio

from kefu.conversations import service
from kefu.customers.service import start_visitor
from kefu.shops.service import get_shop_by_slug


async def visitor(world, client, shop):
    """A new buyer of ``shop`` as kefu stores them (what a buyer's socket holds while it is open)."""
    async with world.db.transaction() as s:
        customer, _ = await start_visitor(s, client.app.state.visitor_tokens, await get_shop_by_slug(s, shop.slug),
                                          None)
    return customer


def test_concurrent_senders_get_unique_contiguous_seqs(world, client):
    shop = world.shop()
    agent = world.agent(shop, login=False)

    async def go():
        customer = await visitor(world, client, shop)
        async with world.db.transaction() as s:
            _, conv, _ = await service.post_buyer_message(s, customer, "开始")

        async def buyer_says(i):
            async with world.db.transaction() as s:
                return (await service.post_buyer_message(s, customer, f"买家{i}", f"b{i}"))[0].seq

        async def agent_says(i):
            async with world.db.transaction() as s:
                return (await service.post_agent_message(s, agent, conv.id, f"客服{i}", client_msg_id=f"a{i}"))[0].seq

        async def resend(i):
            async with world.db.transaction() as s:
                return (await service.post_buyer_message(s, customer, f"买家{i}", f"b{i}"))[0].seq

        seqs = await asyncio.gather(*[buyer_says(i) for i in range(10)], *[agent_says(i) for i in range(10)])
        again = await asyncio.gather(*[resend(i) for i in range(10)])
        async with world.db.transaction() as s:
            conv = await service.get_conversation(s, shop.id, conv.id)
            stored = await service.list_messages(s, conv, include_private=True)
        return seqs, again, stored

    seqs, again, stored = world.run(go)
    assert sorted(seqs) == list(range(2, 22))
    assert again == seqs[:10]  # resends return the original message
    assert [m["seq"] for m in stored] == list(range(1, 22))


def test_concurrent_first_messages_open_one_conversation(world, client):
    shop = world.shop()

    async def go():
        customer = await visitor(world, client, shop)

        async def first(i):
            async with world.db.transaction() as s:
                return (await service.post_buyer_message(s, customer, f"第{i}个标签页", f"tab{i}"))[1].id

        return set(await asyncio.gather(*[first(i) for i in range(8)]))

    assert len(world.run(go)) == 1


def test_a_read_receipt_never_carries_an_older_state_of_the_conversation(world, client):
    """The buyer's read receipt, loaded just before the router assigned the chat and stored just after, told
    every workspace the chat was waiting again: the agent's list flipped it back to 待接入 and the agent got a
    second "新买家" notification. The receipt's event carries the conversation as it is when stored."""
    from kefu.conversations.models import Conversation
    from kefu.core.events import events_after
    from kefu.routing.service import route_shop

    shop = world.shop()
    world.agent(shop, group="售后")  # logged in: online

    async def go():
        customer = await visitor(world, client, shop)
        async with world.db.transaction() as s:
            msg, conv, _ = await service.post_buyer_message(s, customer, "我要退货")
        async with world.db.transaction() as reader:
            stale = await reader.get(Conversation, conv.id)  # the buyer's receipt reads the chat: still waiting
            assert stale.status == "waiting"
            async with world.db.transaction() as router:
                assert await route_shop(router, shop.id)  # meanwhile the router assigns it, and commits
            await service.mark_read(reader, stale, "buyer", msg.seq)
        async with world.db.transaction() as s:
            return [e for e in await events_after(s, shop.id, 0) if e["type"] == "conversation.read"]

    [receipt] = world.run(go)
    assert receipt["data"]["conversation"]["status"] == "assigned"
