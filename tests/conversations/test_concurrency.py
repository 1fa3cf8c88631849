"""Many writers on one conversation: every message stored once with a unique, gap-free sequence number."""

from __future__ import annotations

import asyncio

from kefu.conversations import service
from kefu.customers.service import start_visitor
from kefu.shops.service import get_shop_by_slug


def test_concurrent_senders_get_unique_contiguous_seqs(world, client):
    shop = world.shop()
    agent = world.agent(shop, login=False)
    tokens = client.app.state.visitor_tokens

    async def go():
        async with world.db.transaction() as s:
            customer, _ = await start_visitor(s, tokens, await get_shop_by_slug(s, shop.slug), None)
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
    tokens = client.app.state.visitor_tokens

    async def go():
        async with world.db.transaction() as s:
            customer, _ = await start_visitor(s, tokens, await get_shop_by_slug(s, shop.slug), None)

        async def first(i):
            async with world.db.transaction() as s:
                return (await service.post_buyer_message(s, customer, f"第{i}个标签页", f"tab{i}"))[1].id

        return set(await asyncio.gather(*[first(i) for i in range(8)]))

    assert len(world.run(go)) == 1
