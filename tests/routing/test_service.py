"""The routing engine against the database, on a frozen clock: assignment order, greeting at 15 s,
escalation timeout at 1 min, protected breaks of 10 min, abuse hand-over, transfers with context."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

from kefu.agents.service import BREAK_TIMER
from kefu.conversations.service import GREET_TIMER
from kefu.core.scheduler import run_due
from kefu.handoffs.service import ESCALATION_TIMER
from kefu.routing import rules, service
from kefu.routing.handlers import Router
from tests.conversations.test_statements import statements

ANGRY = "你们什么破快递，三天了还不到！！！气死我了"


def route(world, shop):
    async def go():
        async with world.db.transaction() as s:
            return await service.route_shop(s, shop.id)
    return world.run(go)


def timers(world, kind):
    return world.run(lambda: run_due(world.db, 500, {kind}))


def conv_of(agent, conv_id):
    return agent.get(f"/api/conversations/{conv_id}").json()


# The reads routing makes of a shop, told apart by a piece of their SQL.
READS = {"waiting buyers": "customers.vip_level FROM conversations JOIN customers ON",
         "previous agents": "assignee_id IS NOT NULL", "loads": "GROUP BY conversations.assignee_id",
         "agents": "FROM agents WHERE agents.shop_id"}


@contextlib.contextmanager
def counted_reads(world):
    """Counts READS among the SQL statements the app's engine runs inside the block (read after it)."""
    seen: Counter = Counter()
    with statements(world) as sql:
        yield seen
    seen.update(name for q in sql for name, piece in READS.items() if piece in q)


def test_angry_buyer_is_served_first_and_capacity_is_respected(world, frozen):
    shop = world.shop()
    agent = world.agent(shop, group="售后", max_chats=1)
    calm = world.buyer(shop).send("我的快递到哪了").json()["conversation_id"]
    frozen.advance(seconds=30)
    angry = world.buyer(shop).send(ANGRY).json()["conversation_id"]
    queue = agent.get("/api/routing/queue").json()["queue"]
    assert [q["conversation_id"] for q in queue] == [angry, calm]
    assert any(r.startswith("angry") for r in queue[0]["reasons"]) and queue[0]["group"] == "售后"
    assert route(world, shop) == [(angry, agent.id)]
    assert conv_of(agent, calm)["conversation"]["status"] == "waiting"  # one seat only
    texts = [m["text"] for m in conv_of(agent, angry)["messages"]]
    assert "客服小李为您服务" in texts
    agent.post(f"/api/conversations/{angry}/close")
    assert route(world, shop) == [(calm, agent.id)]


def test_a_router_pass_reads_the_shop_once_and_tells_places_after_its_assignments(world, frozen):
    shop = world.shop()
    agent = world.agent(shop, group="售后", max_chats=1)
    calm = world.buyer(shop).send("我的快递到哪了").json()["conversation_id"]
    frozen.advance(seconds=30)
    angry = world.buyer(shop).send(ANGRY).json()["conversation_id"]
    frozen.advance(seconds=30)
    later = world.buyer(shop).send("退货地址是哪里").json()["conversation_id"]
    router = Router(world.db)
    told = []
    router.publish_positions = lambda shop_id, places: told.append(places)
    with counted_reads(world) as reads:
        assert world.run(router.run_shop, shop.id) == [(angry, agent.id)]
    assert reads == {"waiting buyers": 1, "previous agents": 1, "loads": 1, "agents": 1}
    assert [(p["conversation_id"], p["position"]) for p in told[0]] == [(calm, 1), (later, 2)]
    assert told == [agent.get("/api/routing/queue").json()["queue"]]  # what a fresh read says (frozen clock)


def test_greeting_tells_the_queues_place_without_ranking_the_whole_queue(world, frozen, monkeypatch):
    shop = world.shop(name="小鹿优选")
    agent = world.agent(shop, group="售后", max_chats=3)
    convs = []
    for text in ("我的快递到哪了", "退货地址是哪里", ANGRY, "退款怎么还没到账"):
        convs.append(world.buyer(shop).send(text).json()["conversation_id"])
        frozen.advance(seconds=5)
    queue = {q["conversation_id"]: q for q in agent.get("/api/routing/queue").json()["queue"]}
    assert [queue[c]["position"] for c in convs] == [2, 3, 1, 4] and queue[convs[3]]["eta_seconds"] > 0

    def whole_queue(*_):
        raise AssertionError("greet() ranked every waiting buyer")

    async def greet(conv_id):
        async with world.db.transaction() as s:
            return (await service.greet(s, conv_id)).text

    monkeypatch.setattr(rules, "rank", whole_queue)
    for conv in convs:
        with counted_reads(world) as reads:
            text = world.run(greet, conv)
        assert text == rules.greeting_text("小鹿优选", queue[conv]["position"], queue[conv]["eta_seconds"])
        assert reads["waiting buyers"] == 1 and reads["previous agents"] == 0


def test_group_choice_and_offline_agents(world):
    shop = world.shop()
    presale = world.agent(shop, group="售前", name="售前小王")
    aftersale = world.agent(shop, group="售后", name="售后小张")
    aftersale.put("/api/me/presence", {"presence": "away"})
    conv = world.buyer(shop).send("退款怎么还没到账").json()["conversation_id"]
    # the after-sale agent is away: rather than leave the buyer waiting, a free agent of another group helps
    assert route(world, shop) == [(conv, presale.id)]
    aftersale.put("/api/me/presence", {"presence": "online"})
    conv2 = world.buyer(shop).send("我要退货，怎么寄回").json()["conversation_id"]
    assert route(world, shop) == [(conv2, aftersale.id)]


def test_greeting_at_15_seconds_tells_the_queue_position(world, frozen):
    shop = world.shop(name="小鹿优选")
    world.agent(shop, group="售前")  # online (no routing pass runs here, so the buyers keep waiting)
    buyer = world.buyer(shop)
    first = world.buyer(shop)
    first.send("在吗")
    frozen.advance(seconds=2)
    buyer.send("这件羽绒服有黑色吗")
    frozen.advance(seconds=14)
    timers(world, GREET_TIMER)
    assert [m["sender"] for m in buyer.get("/api/widget/conversation").json()["messages"]] == ["buyer"]
    frozen.advance(seconds=1)
    timers(world, GREET_TIMER)
    msgs = buyer.get("/api/widget/conversation").json()["messages"]
    assert msgs[-1]["sender"] == "bot" and "小鹿优选" in msgs[-1]["text"] and "第 2 位" in msgs[-1]["text"]
    place = buyer.get("/api/widget/queue").json()
    assert place["position"] == 2 and place["waiting"] == 2


def test_greeting_and_assignment_follow_the_widget_language(world, frozen):
    """A buyer on the English widget reads kefu's automatic lines in English; a Chinese buyer still in Chinese."""
    from tests.conversations.test_realtime import until

    shop = world.shop(name="小鹿优选")
    zh_buyer, en_buyer = world.buyer(shop), world.buyer(shop)
    zh_buyer.send("在吗")
    frozen.advance(seconds=2)
    with en_buyer.ws() as ws:  # the widget sends over its socket, with the window's language
        until(ws, lambda f: f["type"] == "ready")
        ws.send_json({"type": "message", "text": "Do you have this in black?", "client_msg_id": "e-1", "lang": "en"})
        until(ws, lambda f: f["type"] == "ack")
    frozen.advance(seconds=15)
    timers(world, GREET_TIMER)

    def last(buyer):
        m = buyer.get("/api/widget/conversation").json()["messages"][-1]
        return m["sender"], m["text"]

    # nobody is online: no made-up place and wait, but an honest word and the offer to leave a message
    assert last(en_buyer) == ("bot", "Hi, welcome to 小鹿优选! No agent is online right now. Leave us a message "
                                     "about your question and we'll reply as soon as an agent is back.")
    assert last(zh_buyer) == ("bot", "您好，欢迎光临小鹿优选！当前暂无在线客服，您可以先留言描述问题，"
                                     "客服上线后会第一时间回复您。")
    world.agent(shop, name="小李")
    assert len(route(world, shop)) == 2
    assert last(en_buyer) == ("system", "小李 is now helping you.")
    assert last(zh_buyer) == ("system", "客服小李为您服务")


def test_no_greeting_when_an_agent_answered_in_time(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv = buyer.send("你好").json()["conversation_id"]
    frozen.advance(seconds=8)
    agent.post(f"/api/conversations/{conv}/messages", {"text": "您好，在的"})
    frozen.advance(seconds=10)
    timers(world, GREET_TIMER)
    assert [m["sender"] for m in buyer.get("/api/widget/conversation").json()["messages"]] == ["buyer", "agent"]
    sup = world.agent(shop, role="supervisor")
    greeting = sup.get("/api/routing/stats").json()["greeting"]
    assert greeting == {"conversations": 1, "greeted_in_time": 1, "rate": 1.0}


def test_escalation_moves_on_after_one_minute_and_alerts_the_supervisor(world, frozen):
    shop = world.shop()
    agent = world.agent(shop, group="售后")
    first = world.agent(shop, role="senior", group="投诉", name="陈姐")
    second = world.agent(shop, role="senior", group="投诉", name="老周")
    sup = world.agent(shop, role="supervisor")
    buyer = world.buyer(shop)
    conv = buyer.send("订单号1234567890123退款两天了还没到").json()["conversation_id"]
    agent.post(f"/api/conversations/{conv}/messages", {"text": "已为您加急退款"})
    frozen.advance(seconds=120)
    h = agent.post(f"/api/conversations/{conv}/escalate", {"note": "超出权限的补偿"}).json()["handoff"]
    assert h["status"] == "pending" and h["to_agent_id"] == first.id  # equally free: the first senior
    for piece in ("退款", "1234567890123", "已等待 2 分钟", "已为您加急退款", "超出权限的补偿"):
        assert piece in h["summary"]
    notes = [m for m in conv_of(first, conv)["messages"] if m["private"]]
    assert notes and h["summary"] in notes[-1]["text"]  # the receiver reads the context first
    assert buyer.get("/api/widget/conversation").json()["messages"][-1]["sender"] == "agent"  # note is hidden
    frozen.advance(seconds=59)
    timers(world, ESCALATION_TIMER)
    assert first.get("/api/handoffs/pending").json()["handoffs"][0]["id"] == h["id"]
    frozen.advance(seconds=1)
    timers(world, ESCALATION_TIMER)
    assert first.get("/api/handoffs/pending").json()["handoffs"] == []
    assert second.get("/api/handoffs/pending").json()["handoffs"][0]["id"] == h["id"]
    alerts = [e for e in sup.get("/api/events").json()["events"] if e["type"] == "supervisor.alert"]
    assert alerts[-1]["data"]["kind"] == "escalation_not_accepted" and alerts[-1]["data"]["agent_id"] == first.id
    assert first.post(f"/api/handoffs/{h['id']}/accept").status_code == 403
    accepted = second.post(f"/api/handoffs/{h['id']}/accept").json()
    assert accepted["conversation"]["assignee_id"] == second.id and accepted["handoff"]["status"] == "accepted"


def test_abuse_goes_to_emotion_support_and_the_agent_gets_a_10_minute_break(world, frozen):
    shop = world.shop()
    agent = world.agent(shop, group="售后")
    helper = world.agent(shop, role="emotion_support", group="投诉", name="阿琳")
    sup = world.agent(shop, role="supervisor")
    buyer = world.buyer(shop)
    conv = buyer.send("我的退款呢").json()["conversation_id"]
    agent.post(f"/api/conversations/{conv}/take")
    buyer.send("你们这帮傻逼客服，垃圾")
    world.run(Router(world.db).hand_over_abuse, shop.id, conv)
    view = conv_of(helper, conv)["conversation"]
    assert view["assignee_id"] == helper.id and view["abusive"]
    team = {a["id"]: a for a in sup.get("/api/agents").json()["agents"]}
    assert team[agent.id]["presence"] == "break"
    other = world.buyer(shop).send("退货地址是哪里").json()["conversation_id"]
    assert route(world, shop) == []  # nothing is routed to the agent on a break (others are not 售后)
    frozen.advance(minutes=9, seconds=59)
    timers(world, BREAK_TIMER)
    assert {a["id"]: a for a in sup.get("/api/agents").json()["agents"]}[agent.id]["presence"] == "break"
    frozen.advance(seconds=1)
    agent.get("/api/me")  # the agent's workspace is still open (a sign of life; a silent agent comes back away)
    timers(world, BREAK_TIMER)
    assert {a["id"]: a for a in sup.get("/api/agents").json()["agents"]}[agent.id]["presence"] == "online"
    assert (other, agent.id) in route(world, shop)


def test_transfer_to_colleague_and_to_group(world):
    shop = world.shop()
    first = world.agent(shop)
    second = world.agent(shop, name="小张")
    conv = world.buyer(shop).send("发票怎么开").json()["conversation_id"]
    first.post(f"/api/conversations/{conv}/take")
    r = first.post(f"/api/conversations/{conv}/transfer", {"agent_id": second.id, "note": "需要开专票"})
    assert r.status_code == 200 and r.json()["conversation"]["assignee_id"] == second.id
    assert "需要开专票" in second.get(f"/api/conversations/{conv}/handoffs").json()["handoffs"][0]["summary"]
    r = second.post(f"/api/conversations/{conv}/transfer", {"group": "投诉"})
    assert r.json()["conversation"]["status"] == "waiting" and r.json()["conversation"]["group"] == "投诉"
    assert second.post(f"/api/conversations/{conv}/transfer", {}).status_code == 422
    assert second.post(f"/api/conversations/{conv}/transfer", {"group": "财务"}).status_code == 422


def test_parallel_routing_passes_never_double_assign_or_overfill(world):
    shop = world.shop()
    agents = [world.agent(shop, group="售后", max_chats=2) for _ in range(3)]
    convs = [world.buyer(shop).send(f"快递到哪了 {i}").json()["conversation_id"] for i in range(10)]

    async def passes():
        async def one():
            async with world.db.transaction() as s:
                return await service.route_shop(s, shop.id)
        return await asyncio.gather(*[one() for _ in range(5)])

    made = [pair for batch in world.run(passes) for pair in batch]
    assert len(made) == 6 and len({c for c, _ in made}) == 6
    loads = {a["id"]: a["load"] for a in world.agent(shop, role="supervisor").get("/api/agents").json()["agents"]}
    assert all(loads[a.id] == 2 for a in agents)
    assert {c for c, _ in made} <= set(convs)


def test_router_assigns_on_its_own_when_a_buyer_arrives(world):
    shop = world.shop()
    agent = world.agent(shop)
    router = Router(world.db, sweep_seconds=0.2)
    world.run(router.start)
    try:
        conv = world.buyer(shop).send("在吗，想问下尺码").json()["conversation_id"]

        for _ in range(100):
            if conv_of(agent, conv)["conversation"]["assignee_id"] == agent.id:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the router never assigned the buyer")
    finally:
        world.run(router.stop)


def test_team_list_and_break_through_presence(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    colleague = world.agent(shop, name="小张", group="售后")
    team = {a["id"]: a for a in agent.get("/api/team").json()["agents"]}
    assert team[colleague.id]["display_name"] == "小张" and "username" not in team[colleague.id]
    me = agent.put("/api/me/presence", {"presence": "break"}).json()["agent"]
    assert me["presence"] == "break" and me["presence_until"]  # protected: it ends by itself
    frozen.advance(minutes=10)
    agent.get("/api/team")  # still at the desk
    timers(world, BREAK_TIMER)
    assert agent.get("/api/me").json()["agent"]["presence"] == "online"
    assert agent.get("/api/me").json()["agent"]["presence_until"] is None


def test_a_seated_buyer_is_not_greeted_and_their_greeting_timer_is_gone(world, frozen):
    """At a peak, thousands of greeting timers fell due for buyers already being served, each costing the
    scheduler a transaction: assignment now cancels the buyer's pending greeting."""
    from sqlalchemy import select

    from kefu.core.scheduler import Timer

    shop = world.shop()
    world.agent(shop, group="售前")
    buyer = world.buyer(shop)
    conv_id = buyer.send("这件羽绒服有黑色吗").json()["conversation_id"]
    assert len(route(world, shop)) == 1

    async def pending():
        async with world.db.transaction() as s:
            return list(await s.scalars(select(Timer.outcome).where(Timer.key == f"greet:{conv_id}")))

    assert world.run(pending) == ["cancelled"]
    frozen.advance(seconds=30)
    timers(world, GREET_TIMER)
    said = [m["sender"] for m in buyer.get("/api/widget/conversation").json()["messages"]]
    assert "bot" not in said and said[0] == "buyer"  # the question, then who serves them: no queue greeting
