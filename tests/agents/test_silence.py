"""An "online" agent who closes the laptop or loses the network is set away after a silence (180 s by
default), on a frozen clock: the router stops handing them buyers, the floor sees them away, and they
come back by setting themselves online. Pings and API calls keep a present agent online; breaks are left
alone."""

from __future__ import annotations

from kefu.agents.service import BREAK_TIMER, SILENT_TIMER
from tests.conversations.test_realtime import until
from tests.routing.test_service import route, timers

SILENCE = 180  # the default KEFU_AGENT_SILENT_SECONDS


def floor(world, shop):
    """The supervisor watching the floor (in 投诉, so the router never hands them a 售前 buyer)."""
    return world.agent(shop, role="supervisor", group="投诉")


def presence(sup, agent) -> str:
    return {a["id"]: a for a in sup.get("/api/agents").json()["agents"]}[agent.id]["presence"]


def test_a_silent_agent_is_set_away_and_gets_no_new_buyers_until_back_online(world, frozen):
    shop = world.shop()
    agent = world.agent(shop, name="小李")  # logs in, then closes the laptop
    sup = floor(world, shop)
    frozen.advance(seconds=SILENCE - 1)
    timers(world, SILENT_TIMER)
    assert presence(sup, agent) == "online"
    frozen.advance(seconds=1)
    timers(world, SILENT_TIMER)
    assert presence(sup, agent) == "away"
    went = [e["data"] for e in sup.get("/api/events").json()["events"]
            if e["type"] == "agent.updated" and e["data"]["id"] == agent.id][-1]
    assert went["presence"] == "away" and went["reason"] == "silent"  # the workspace says why

    conv = world.buyer(shop).send("在吗，想问下尺码").json()["conversation_id"]
    assert route(world, shop) == []  # nobody is there to take the buyer
    assert sup.get(f"/api/conversations/{conv}").json()["conversation"]["status"] == "waiting"

    # Back at the desk: the workspace shows away (not silently online again) until the agent says so.
    assert agent.get("/api/me").json()["agent"]["presence"] == "away"
    assert agent.put("/api/me/presence", {"presence": "online"}).json()["agent"]["presence"] == "online"
    assert route(world, shop) == [(conv, agent.id)]


def test_the_workspace_socket_pings_keep_an_agent_online_and_its_silence_sets_them_away(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    sup = floor(world, shop)
    with agent.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        for _ in range(24):  # ten minutes of the workspace's 25-second pings, nothing typed
            frozen.advance(seconds=25)
            ws.send_json({"type": "ping"})
            until(ws, lambda f: f["type"] == "pong")
            timers(world, SILENT_TIMER)
        assert presence(sup, agent) == "online"
    frozen.advance(seconds=SILENCE + 60)  # the socket is gone (lid closed); the last write may be a minute old
    timers(world, SILENT_TIMER)
    assert presence(sup, agent) == "away"


def test_api_calls_keep_an_agent_online(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    sup = floor(world, shop)
    for _ in range(10):
        frozen.advance(seconds=50)
        assert agent.get("/api/conversations").status_code == 200
        timers(world, SILENT_TIMER)
    assert presence(sup, agent) == "online"
    conv = world.buyer(shop).send("这件有黑色吗").json()["conversation_id"]
    assert route(world, shop) == [(conv, agent.id)]


def test_an_agent_on_break_is_left_alone(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    sup = floor(world, shop)
    agent.put("/api/me/presence", {"presence": "break"})
    frozen.advance(seconds=SILENCE * 3)
    timers(world, SILENT_TIMER)
    assert presence(sup, agent) == "break"
    # The break ends by itself; an agent who left meanwhile comes back away, never online for a moment.
    frozen.advance(minutes=10)
    timers(world, BREAK_TIMER)
    assert presence(sup, agent) == "away"
    went = [e["data"] for e in sup.get("/api/events").json()["events"]
            if e["type"] == "agent.updated" and e["data"]["id"] == agent.id]
    assert [e["presence"] for e in went[-2:]] == ["break", "away"] and went[-1]["reason"] == "silent"


def test_an_agent_at_the_desk_comes_back_online_after_a_break(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    sup = floor(world, shop)
    agent.put("/api/me/presence", {"presence": "break"})
    frozen.advance(minutes=9)
    agent.get("/api/me")  # the workspace is open
    frozen.advance(minutes=1)
    timers(world, BREAK_TIMER)
    assert presence(sup, agent) == "online"


def test_an_agent_who_set_themselves_away_or_logged_out_stays_so(world, frozen):
    shop = world.shop()
    away, gone = world.agent(shop), world.agent(shop)
    sup = floor(world, shop)
    away.put("/api/me/presence", {"presence": "away"})
    gone.post("/api/auth/logout")
    frozen.advance(seconds=SILENCE * 2)
    timers(world, SILENT_TIMER)
    assert (presence(sup, away), presence(sup, gone)) == ("away", "offline")
    events = [e["data"] for e in sup.get("/api/events").json()["events"] if e["type"] == "agent.updated"]
    assert not any(e.get("reason") == "silent" for e in events if e["id"] in (away.id, gone.id))


def test_agents_online_without_a_pending_check_get_one_when_an_instance_starts(world, frozen):
    # e.g. online since before this feature, or the row was lost: the start of an instance arms them all
    from sqlalchemy import delete

    from kefu.agents.service import arm_silence_checks
    from kefu.core.scheduler import Timer

    shop = world.shop()
    agent = world.agent(shop)
    sup = floor(world, shop)

    async def lose_rows_then_start():
        async with world.db.transaction() as session:
            await session.execute(delete(Timer).where(Timer.kind == SILENT_TIMER,
                                                      Timer.key == f"silent:{agent.id}"))
        frozen.advance(seconds=SILENCE * 10)  # the server was down for half an hour
        async with world.db.transaction() as session:
            return await arm_silence_checks(session)

    assert world.run(lose_rows_then_start) >= 2  # the agent and the supervisor
    frozen.advance(seconds=SILENCE - 1)
    timers(world, SILENT_TIMER)
    assert presence(sup, agent) == "online"  # a full silence from the start: time to reconnect
    frozen.advance(seconds=1)
    timers(world, SILENT_TIMER)
    assert presence(sup, agent) == "away"
