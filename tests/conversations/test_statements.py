"""How much SQL one chat message costs: a buyer's line in a chat an agent serves, and the agent's answer.
Each statement is a round trip to the database, most of them while the conversation row is locked: at a
大促 peak they are what a buyer waits for (docs/architecture.md, "Statements per message")."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from kefu.conversations import service
from kefu.customers.models import Customer

# The event log's share (kefu.core.events): an upsert of the shop's event_streams counter and one INSERT at
# commit (before the event spine: the shop's advisory lock and the INSERT). Two either way.
EVENT_PARTS = ("pg_advisory_xact_lock", "INTO events", "event_streams")
EVENT_STATEMENTS = 2
# What the conversation part may cost: PostgreSQL locks the row with SELECT … FOR UPDATE; SQLite has no row
# locks and needs none (the Database's gate lets one transaction at a time through).
BUYER = {"postgresql": 4, "sqlite": 4}  # [read before the lock], lock + read, UPDATE conversation, INSERT message
AGENT = {"postgresql": 3, "sqlite": 3}  # lock + read (and the resend check), UPDATE conversation, INSERT message


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


def _assigned_chat(world):
    """A buyer's chat an agent took: (the agent, the buyer as kefu stores them, the conversation id)."""
    shop = world.shop()
    agent = world.agent(shop, login=False)
    conv_id = world.buyer(shop).send("在吗", "c0").json()["conversation_id"]

    async def go():
        async with world.db.transaction() as s:
            conv = await service.take(s, agent, conv_id)
            return await s.get(Customer, conv.customer_id)

    return agent, world.run(go), conv_id


def _split(seen: list[str]) -> tuple[list[str], list[str]]:
    events = [q for q in seen if any(p in q for p in EVENT_PARTS)]
    return [q for q in seen if q not in events], events


def test_a_message_in_a_served_chat_costs_a_handful_of_statements(world):
    agent, customer, conv_id = _assigned_chat(world)
    dialect = world.db.engine.dialect.name

    async def buyer():
        async with world.db.transaction() as s:
            return await service.post_buyer_message(s, customer, "我的快递到哪了", "c1")

    async def reply():
        async with world.db.transaction() as s:
            return await service.post_agent_message(s, agent, conv_id, "马上帮您查", client_msg_id="a1")

    with statements(world) as seen:
        msg, _, created = world.run(buyer)
    assert created and msg.seq == 3  # after the buyer's first line and "客服小李为您服务"
    chat, events = _split(seen)
    assert len(chat) <= BUYER[dialect] and len(events) <= EVENT_STATEMENTS, "\n".join(seen)
    assert sum(q.startswith("UPDATE conversations SET last_message_at") for q in chat) == 1  # one row update

    with statements(world) as seen:
        msg, _, created = world.run(reply)
    assert created and msg.seq == 4
    chat, events = _split(seen)
    assert len(chat) <= AGENT[dialect] and len(events) <= EVENT_STATEMENTS, "\n".join(seen)


def test_a_read_receipt_costs_its_update_and_one_read(world):
    agent, _, conv_id = _assigned_chat(world)

    async def read():
        async with world.db.transaction() as s:
            conv = await service.get_conversation(s, agent.shop_id, conv_id)
            return await service.mark_read(s, conv, "agent", 2)

    with statements(world) as seen:
        conv = world.run(read)
    assert conv.agent_read_seq == 2 and conv.agent_unread == 0 and conv.status == "assigned"
    chat, events = _split(seen)
    # the conversation as the workspace shows it, the receipt's UPDATE, then the row read again with its
    # customer and assignee (the router may have assigned it meanwhile: the event must tell the latest)
    assert len(chat) <= 3 and len(events) <= EVENT_STATEMENTS, "\n".join(seen)


def test_a_buyers_conversations_are_found_through_the_buyer_not_the_whole_shop(world):
    """Every statement that looks up one buyer's conversations (their open chat, a resend's message, the agent
    they talked to before) uses an index on the buyer: a shop's millionth conversation costs what its first did.
    SQLite without table statistics picked the shop's index and walked every conversation of the shop."""
    if world.db.engine.dialect.name != "sqlite":
        return  # PostgreSQL plans from statistics; the index of migration 0015 serves both
    from kefu.routing import service as routing

    agent, customer, conv_id = _assigned_chat(world)

    async def flow():
        async with world.db.transaction() as s:
            await service.post_buyer_message(s, customer, "我的快递到哪了", "c1")
            await service.close(s, agent, conv_id)
        async with world.db.transaction() as s:  # a returning buyer: routing asks who served them before
            await service.post_buyer_message(s, customer, "还是上次那个问题", "c2")
            await routing.route_shop(s, customer.shop_id)

    seen: list[tuple[str, object]] = []
    engine = world.db.engine.sync_engine

    def note(conn, cursor, statement, parameters, *_):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        world.run(flow)
    finally:
        event.remove(engine, "before_cursor_execute", note)

    async def plans():
        async with world.db.engine.connect() as conn:
            out = []
            for statement, parameters in seen:
                flat = " ".join(statement.split())
                if "FROM conversations" in flat and "customer_id" in flat and flat.startswith("SELECT"):
                    rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, tuple(parameters))
                    out.append((flat, [row[3] for row in rows]))
            return out

    found = world.run(plans)
    assert len(found) >= 3, found  # the buyer view, the locked read of a new chat, routing's previous agent
    for flat, plan in found:
        assert not any("ix_conversations_shop_id " in step for step in plan), (flat, plan)
