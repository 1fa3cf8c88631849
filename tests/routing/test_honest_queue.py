"""What a waiting buyer is told, on a frozen clock: the 15-second greeting only while they still wait, their
place in their own group's line, an expected wait from the agents who can serve them, and an honest word
(with one supervisor alert, not one per pass) when nobody online can."""

from __future__ import annotations

from kefu.conversations.service import GREET_TIMER
from kefu.routing.handlers import Router
from kefu.routing.service import UNSTAFFED_TIMER
from tests.routing.test_service import conv_of, route, timers

NO_AGENT_ZH = "您好，欢迎光临小鹿优选！当前暂无在线客服，您可以先留言描述问题，客服上线后会第一时间回复您。"


def texts(buyer) -> list[tuple[str, str]]:
    return [(m["sender"], m["text"]) for m in buyer.get("/api/widget/conversation").json()["messages"]]


def alerts(sup, kind_prefix: str) -> list[dict]:
    return [e["data"] for e in sup.get("/api/events").json()["events"]
            if e["type"] == "supervisor.alert" and e["data"]["kind"].startswith(kind_prefix)]


def test_no_queue_greeting_for_a_buyer_an_agent_already_serves(world, frozen):
    """Defect: "当前排队第 1 位，马上就轮到您" arrived 15 s after "客服小李为您服务" (English too)."""
    shop = world.shop(name="小鹿优选")
    agent = world.agent(shop, name="小李")
    zh, en = world.buyer(shop), world.buyer(shop)
    zh.send("这件羽绒服有黑色吗")
    en.send("Do you have this in black?", lang="en")
    assert len(route(world, shop)) == 2  # both served before anybody typed a word
    frozen.advance(seconds=16)
    timers(world, GREET_TIMER)
    assert texts(zh) == [("buyer", "这件羽绒服有黑色吗"), ("system", "客服小李为您服务")]
    assert texts(en) == [("buyer", "Do you have this in black?"), ("system", "小李 is now helping you.")]
    assert agent.get("/api/me").json()["agent"]["load"] == 2


def test_a_waiting_buyer_is_told_their_place_in_their_groups_line(world, frozen):
    shop = world.shop(name="小鹿优选")
    world.agent(shop, group="售前", max_chats=2)
    world.agent(shop, group="售后", max_chats=4)
    after = [world.buyer(shop) for _ in range(2)]
    for b in after:
        b.send("我要退货，怎么寄回")
        frozen.advance(seconds=2)
    pre = world.buyer(shop)
    pre.send("这件羽绒服有黑色吗")  # behind two 售后 buyers in the shop, but first in the 售前 line
    place = pre.get("/api/widget/queue").json()
    assert place["position"] == 1 and place["eta_seconds"] == 0 and place["no_agent"] is False
    second = after[1].get("/api/widget/queue").json()
    assert second["position"] == 2 and second["eta_seconds"] == 240 // 4  # 4 售后 seats online
    frozen.advance(seconds=15)
    timers(world, GREET_TIMER)
    assert "当前排队第 1 位，马上就轮到您" in texts(pre)[-1][1]


def test_nobody_online_is_said_honestly_and_the_supervisor_is_alerted_once(world, frozen):
    """Defect: "下一位就是您 · 预计不到 1 分钟" while nobody of the buyer's group was online."""
    shop = world.shop(name="小鹿优选")
    sup = world.agent(shop, role="supervisor", group="投诉")  # watching: away, so nobody can serve
    buyer = world.buyer(shop)
    conv = buyer.send("我的退款怎么还没到账").json()["conversation_id"]
    assert buyer.get("/api/widget/queue").json() == {"conversation_id": conv, "position": 1, "eta_seconds": None,
                                                     "no_agent": True, "waiting": 1}
    queue = sup.get("/api/routing/queue").json()["queue"]
    assert queue[0]["no_agent"] and queue[0]["eta_seconds"] is None
    router = Router(world.db)
    for _ in range(3):  # the router passes again and again (every event, every sweep)
        world.run(router.run_shop, shop.id)
        frozen.advance(seconds=5)
        timers(world, UNSTAFFED_TIMER)
    world.buyer(shop).send("退货运费谁出")
    world.run(router.run_shop, shop.id)
    timers(world, UNSTAFFED_TIMER)
    said = alerts(sup, "unstaffed_")
    assert len(said) == 1 and said[0]["kind"] == "unstaffed_售后" and said[0]["conversation_id"] == conv
    timers(world, GREET_TIMER)
    assert texts(buyer)[-1] == ("bot", NO_AGENT_ZH)

    # somebody comes online, is full, then leaves: the floor changed, so the supervisor hears of it again
    agent = world.agent(shop, group="售后", max_chats=1)
    assert route(world, shop) == [(conv, agent.id)]
    frozen.advance(seconds=5)
    agent.put("/api/me/presence", {"presence": "away"})
    world.run(router.run_shop, shop.id)
    timers(world, UNSTAFFED_TIMER)
    assert len(alerts(sup, "unstaffed_")) == 2
    world.agent(shop, role="supervisor", group="售后")  # another supervisor logs in to watch: nothing new
    world.run(router.run_shop, shop.id)
    timers(world, UNSTAFFED_TIMER)
    assert len(alerts(sup, "unstaffed_")) == 2
    assert conv_of(sup, conv)["conversation"]["assignee_id"] == agent.id  # within the grace: still theirs
