"""How much SQL one chat message costs: a buyer's line in a chat an agent serves, and the agent's answer.
Each statement is a round trip to the database and, under load, time a conversation row stays locked."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from kefu.conversations import service
from kefu.customers.service import start_visitor
from kefu.shops.service import get_shop_by_slug


@contextlib.contextmanager
def statements(world):
    seen: list[str] = []

    def note(conn, cursor, statement, *_):
        seen.append(" ".join(statement.split()))

    engine = world.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _assigned_chat(world, client):
    shop = world.shop()
    agent = world.agent(shop, login=False)
    tokens = client.app.state.visitor_tokens

    async def go():
        async with world.db.transaction() as s:
            customer, _ = await start_visitor(s, tokens, await get_shop_by_slug(s, shop.slug), None)
            _, conv, _ = await service.post_buyer_message(s, customer, "在吗", "c0")
        async with world.db.transaction() as s:
            await service.take(s, agent, conv.id)
        return customer, conv.id

    customer, conv_id = world.run(go)
    return agent, customer, conv_id


def test_statements_per_message(world, client):
    agent, customer, conv_id = _assigned_chat(world, client)

    async def buyer():
        async with world.db.transaction() as s:
            await service.post_buyer_message(s, customer, "我的快递到哪了", "c1")

    async def reply():
        async with world.db.transaction() as s:
            await service.post_agent_message(s, agent, conv_id, "马上帮您查", client_msg_id="a1")

    with statements(world) as seen:
        world.run(buyer)
    print("\nBUYER", len(seen), *seen, sep="\n  ")
    with statements(world) as seen2:
        world.run(reply)
    print("\nAGENT", len(seen2), *seen2, sep="\n  ")
    assert 0
