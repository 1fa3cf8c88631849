"""An agent who goes away or offline (or is set away for silence) does not keep buyers waiting: after the grace
(KEFU_REQUEUE_GRACE_SECONDS, 60 s) their chats with an unanswered buyer go back to the queue with the buyer's
waiting time and priority, the buyer and the floor are told, and the agent sees what was moved. Back within the
grace, nothing moves; a protected break moves nothing. Supervisors start away (watching) at login and are
routed to only once they set themselves online. Every break has an end."""

from __future__ import annotations

from datetime import timedelta

from kefu.agents.models import Agent
from kefu.agents.service import BREAK_TIMER, REQUEUE_TIMER, SILENT_TIMER, set_presence
from kefu.core.clock import now
from tests.routing.test_honest_queue import alerts, texts
from tests.routing.test_service import ANGRY, conv_of, route, timers

GRACE = 60


def setup(world, frozen):
    """An agent with three chats: an angry buyer left unanswered, a buyer whose message they read but did not
    answer, and one they answered. Returns (shop, agent, supervisor, buyers, conversation ids)."""
    shop = world.shop()
    agent = world.agent(shop, group="售后", name="小张")
    sup = world.agent(shop, role="supervisor", group="投诉")
    buyers = [world.buyer(shop) for _ in range(3)]
    lines = (ANGRY, "退货地址是哪里", "退款到账了吗")
    convs = [b.send(text).json()["conversation_id"] for b, text in zip(buyers, lines, strict=True)]
    assert len(route(world, shop)) == 3
    agent.post(f"/api/conversations/{convs[1]}/read", {"seq": 99})
    agent.post(f"/api/conversations/{convs[2]}/messages", {"text": "已经退了，1-3 个工作日到账"})
    return shop, agent, sup, buyers, convs


def test_an_agent_who_goes_away_has_unanswered_chats_requeued_after_the_grace(world, frozen):
    _shop, agent, sup, buyers, convs = setup(world, frozen)
    frozen.advance(seconds=100)
    agent.put("/api/me/presence", {"presence": "away"})
    frozen.advance(seconds=GRACE - 1)
    timers(world, REQUEUE_TIMER)
    assert conv_of(sup, convs[0])["conversation"]["status"] == "assigned"
    frozen.advance(seconds=1)
    timers(world, REQUEUE_TIMER)
    status = {c: conv_of(sup, c)["conversation"]["status"] for c in convs}
    assert status == {convs[0]: "waiting", convs[1]: "waiting", convs[2]: "assigned"}  # the answered one stays
    queue = sup.get("/api/routing/queue").json()["queue"]
    assert [q["conversation_id"] for q in queue] == convs[:2]  # the angry buyer keeps their head start
    assert queue[0]["waited_seconds"] == 160 and any(r.startswith("angry") for r in queue[0]["reasons"])
    assert texts(buyers[0])[-1] == ("system", "刚才为您服务的客服暂时离开了，正在为您安排其他客服，请稍候。")
    [said] = alerts(sup, "chats_requeued")
    assert said["agent_id"] == agent.id and said["count"] == 2 and said["conversation_ids"] == convs[:2]
    # the agent's workspace learns what was moved (live and at the next load), until they have seen it
    moved = [e["data"] for e in agent.get("/api/events").json()["events"]
             if e["type"] == "agent.updated" and e["data"].get("moved")]
    assert moved[-1]["id"] == agent.id and moved[-1]["moved"] == 2
    assert agent.get("/api/me").json()["agent"]["moved_unseen"] == 2
    assert agent.post("/api/me/moved/seen").json()["agent"]["moved_unseen"] == 0


def test_back_within_the_grace_nothing_moves_and_a_break_is_protected(world, frozen):
    _shop, agent, sup, _buyers, convs = setup(world, frozen)
    agent.put("/api/me/presence", {"presence": "away"})
    frozen.advance(seconds=30)
    agent.put("/api/me/presence", {"presence": "online"})
    frozen.advance(seconds=GRACE)
    timers(world, REQUEUE_TIMER)
    agent.post("/api/me/break")
    frozen.advance(minutes=5)
    timers(world, REQUEUE_TIMER)
    assert all(conv_of(sup, c)["conversation"]["status"] == "assigned" for c in convs)
    assert alerts(sup, "chats_requeued") == []


def test_logging_out_or_falling_silent_requeues_too(world, frozen):
    shop, agent, sup, _buyers, convs = setup(world, frozen)
    agent.post("/api/auth/logout")
    frozen.advance(seconds=GRACE)
    timers(world, REQUEUE_TIMER)
    assert conv_of(sup, convs[0])["conversation"]["status"] == "waiting"

    other = world.agent(shop, group="售后", name="小李")  # logs in, takes the buyers, then closes the laptop
    assert len(route(world, shop)) == 2
    frozen.advance(seconds=180)
    timers(world, SILENT_TIMER)
    frozen.advance(seconds=GRACE)
    timers(world, REQUEUE_TIMER)
    assert {e["agent_id"] for e in alerts(sup, "chats_requeued")} == {agent.id, other.id}
    assert conv_of(sup, convs[1])["conversation"]["status"] == "waiting"


def test_a_supervisor_only_watching_is_not_routed_to(world, frozen):
    """Defect: being logged in on /supervisor made a supervisor routable (given 4 buyers)."""
    shop = world.shop()
    sup = world.agent(shop, role="supervisor", group="售前", name="王主管")
    assert sup.info["presence"] == "away"
    conv = world.buyer(shop).send("这件羽绒服有黑色吗").json()["conversation_id"]
    assert route(world, shop) == []
    sup.put("/api/me/presence", {"presence": "online"})
    assert route(world, shop) == [(conv, sup.id)]
    # a supervisor who takes over and then only watches again keeps the chat: away is not absent for them
    sup.put("/api/me/presence", {"presence": "away"})
    frozen.advance(seconds=GRACE * 2)
    timers(world, REQUEUE_TIMER)
    assert conv_of(sup, conv)["conversation"]["assignee_id"] == sup.id


def test_a_break_set_without_an_end_gets_one_and_ends_by_itself(world, frozen):
    """Defect: demo agents on a break with no end showed "小休 · 还剩 0:00" forever."""
    shop = world.shop()
    agent = world.agent(shop, login=False)

    async def go():
        async with world.db.transaction() as s:
            a = await s.get(Agent, agent.id)
            await set_presence(s, a, "break")  # as the demo's seed does
            return a.presence_until

    assert world.run(go) == now() + timedelta(minutes=10)
    frozen.advance(minutes=10)
    timers(world, BREAK_TIMER)
    sup = world.agent(shop, role="supervisor")
    team = {a["id"]: a for a in sup.get("/api/agents").json()["agents"]}
    assert team[agent.id]["presence"] == "away" and team[agent.id]["presence_until"] is None


def test_a_buyer_who_writes_to_an_agent_gone_since_their_answer_is_requeued_too(world, frozen):
    from kefu.routing.handlers import Router, written_to

    _shop, agent, sup, buyers, convs = setup(world, frozen)
    agent.post(f"/api/conversations/{convs[0]}/messages", {"text": "马上帮您查"})
    agent.post(f"/api/conversations/{convs[1]}/messages", {"text": "地址已发您"})
    agent.post("/api/auth/logout")
    frozen.advance(seconds=GRACE)
    timers(world, REQUEUE_TIMER)
    assert all(conv_of(sup, c)["conversation"]["status"] == "assigned" for c in convs)  # all answered
    frozen.advance(minutes=30)
    buyers[2].send("还是没到账啊")  # the router sees this message and arms the absent agent's check
    ev = [e for e in sup.get("/api/events").json()["events"] if e["type"] == "message.created"][-1]
    assert written_to(ev) == agent.id
    world.run(Router(world.db).requeue_if_absent, {written_to(ev)})
    frozen.advance(seconds=GRACE)
    timers(world, REQUEUE_TIMER)
    status = {c: conv_of(sup, c)["conversation"]["status"] for c in convs}
    assert status == {convs[0]: "assigned", convs[1]: "assigned", convs[2]: "waiting"}
    [q] = sup.get("/api/routing/queue").json()["queue"]
    assert q["waited_seconds"] == GRACE  # waiting since the buyer wrote, not since the requeue
