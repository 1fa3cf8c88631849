"""`kefu demo`: the demo shop loads through the real services, looks alive, loads once, and its logins work.

The test database is shared by the whole session and the demo always uses the slug "demo", so these
tests only assume that whoever loaded it used load_demo (loading is idempotent, so order is free).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kefu.agents.models import Agent
from kefu.conversations.models import Conversation, Message
from kefu.core.clock import as_utc, clock
from kefu.core.events import Event
from kefu.customers.models import Customer
from kefu.demo.chats import CHATS
from kefu.demo.seed import DEMO_PASSWORD, DEMO_SLUG, load_demo, schedule
from kefu.shops.models import Shop


def load(world):
    return world.run(load_demo, world.db)


def snapshot(world) -> dict:
    """Rows of the demo shop, read back from the database."""

    async def go():
        async with world.db.transaction() as s:
            shop = await s.scalar(select(Shop).where(Shop.slug == DEMO_SLUG))
            agents = list(await s.scalars(select(Agent).where(Agent.shop_id == shop.id)))
            convs = list(await s.scalars(select(Conversation).where(Conversation.shop_id == shop.id)))
            customers = list(await s.scalars(select(Customer).where(Customer.shop_id == shop.id)))
            messages = list(await s.scalars(select(Message).where(Message.shop_id == shop.id)))
            events = await s.scalar(select(func.count()).select_from(Event).where(Event.shop_id == shop.id))
            return {"shop": shop, "agents": agents, "convs": convs, "customers": customers,
                    "messages": messages, "events": events}

    return world.run(go)


def test_demo_has_a_team_across_the_three_groups(world):
    logins = load(world)
    agents = snapshot(world)["agents"]
    assert len(agents) >= 8
    assert {a.group for a in agents} == {"售前", "售后", "投诉"}
    assert {"admin", "supervisor", "senior", "emotion_support", "trainer", "agent"} <= {a.role for a in agents}
    assert sum(a.role == "agent" for a in agents) >= 3
    assert all(a.skills and 1 <= a.max_chats <= 10 for a in agents)
    presences = {a.presence for a in agents}
    assert "online" in presences and presences - {"online"}
    assert sorted(logins) == sorted((a.username, a.display_name, a.role, a.group) for a in agents)


def test_demo_buyers_look_real(world):
    load(world)
    snap = snapshot(world)
    customers = snap["customers"]
    assert len(customers) >= 20
    assert all(re.fullmatch(r"1[3-9]\d{9}", c.phone or "") for c in customers)  # staff see them masked
    assert {c.vip_level for c in customers} == {0, 1, 2, 3}
    assert any("曾投诉" in c.tags for c in customers) and any("老客户" in c.tags for c in customers)
    first_chat = {}
    for conv in snap["convs"]:
        at = as_utc(conv.created_at)
        first_chat[conv.customer_id] = min(at, first_chat.get(conv.customer_id, at))
    assert all(as_utc(c.created_at) < first_chat[c.id] for c in customers if c.id in first_chat)


def test_demo_queue_is_alive_and_history_spans_days(world):
    load(world)
    snap = snapshot(world)
    now = datetime.now(UTC)
    by_status = {s: [c for c in snap["convs"] if c.status == s] for s in ("waiting", "assigned", "closed")}

    # Waits are measured from the demo's last message, so they hold however long ago it was loaded.
    loaded = max(as_utc(m.created_at) for m in snap["messages"])
    waiting = by_status["waiting"]
    assert len(waiting) >= 3
    waits = sorted(loaded - as_utc(c.waiting_since) for c in waiting)
    assert waits[0] < timedelta(minutes=1) and timedelta(minutes=3) < waits[-1] < timedelta(minutes=10)
    assert all(c.assignee_id is None and c.agent_unread >= 1 for c in waiting)

    online = {a.id for a in snap["agents"] if a.presence == "online"}
    assert by_status["assigned"] and all(c.assignee_id in online for c in by_status["assigned"])

    closed = by_status["closed"]
    assert len(closed) >= 20
    for c in closed:
        assert as_utc(c.first_message_at) <= as_utc(c.first_response_at) < as_utc(c.closed_at) < now
        assert c.agent_unread == 0
    days = {as_utc(c.first_message_at).date() for c in closed}
    assert len(days) >= 7
    assert now - min(as_utc(c.first_message_at) for c in closed) > timedelta(days=8)

    # Sequence numbers are 1..last_seq with no gaps; some chats carry private notes.
    seqs: dict[int, list[int]] = {}
    for m in snap["messages"]:
        seqs.setdefault(m.conversation_id, []).append(m.seq)
    assert all(sorted(seqs[c.id]) == list(range(1, c.last_seq + 1)) for c in snap["convs"])
    assert any(m.private for m in snap["messages"])
    assert snap["events"] > len(snap["messages"])


def test_second_load_changes_nothing(world):
    first = load(world)
    before = snapshot(world)
    second = load(world)
    after = snapshot(world)
    assert first == second
    for key in ("agents", "convs", "customers", "messages"):
        assert len(after[key]) == len(before[key]), key
    assert after["events"] == before["events"]
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)  # the real clock is back


def test_demo_login_works(world, client):
    load(world)
    r = client.post("/api/auth/login", json={"username": "laowang", "password": DEMO_PASSWORD})
    client.cookies.clear()
    assert r.status_code == 200, r.text
    assert r.json()["agent"]["role"] == "supervisor"

    supervisor = world.login("laowang", DEMO_PASSWORD)
    overview = supervisor.get("/api/supervisor/overview").json()
    statuses = {c["status"] for c in overview["conversations"]}
    assert statuses == {"waiting", "assigned"}
    assert len(overview["agents"]) >= 8

    agent = world.login("xiaoli", DEMO_PASSWORD)
    mine = agent.get("/api/conversations?status=closed&mine=true").json()["conversations"]
    assert mine
    detail = agent.get(f"/api/conversations/{mine[0]['id']}").json()
    assert detail["messages"][0]["sender"] == "buyer"
    assert re.fullmatch(r"1\d{2}\*{4}\d{4}", detail["customer"]["phone"])  # masked for the agent


@pytest.mark.parametrize("hour", range(0, 24, 3))
def test_script_plays_at_any_time_of_day(hour):
    """Past chats are pinned to Beijing clock times, live ones to minutes ago: they must never collide."""
    base = datetime(2026, 3, 9, hour, 17, tzinfo=UTC)
    steps = schedule(CHATS, base)
    assert all(s.at < base for s in steps)
    assert [s.at for s in steps] == sorted(s.at for s in steps)
