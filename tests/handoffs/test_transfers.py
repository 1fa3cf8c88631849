"""Transfers and take-overs as the buyer and the floor see them: a transfer to a group waits in that group's
line (never bounced back to the sender, nor to another group), the buyer is told in their language, the
supervisor hears when nobody of the group is online; every change of serving agent is announced once."""

from __future__ import annotations

from kefu.routing.service import UNSTAFFED_TIMER
from tests.routing.test_honest_queue import alerts, texts
from tests.routing.test_service import conv_of, route, timers

SERVES = "客服{}为您服务"


def served_lines(buyer) -> list[str]:
    return [text for sender, text in texts(buyer) if sender == "system" and text.endswith("为您服务")]


def test_a_transfer_to_a_group_nobody_serves_waits_there_and_never_bounces_back(world, frozen):
    """Defect: transferred to 投诉 with no 投诉 agent online, the chat went straight back to the 售后 agent."""
    shop = world.shop()
    sender = world.agent(shop, group="售后", name="小张")
    world.agent(shop, group="售前", name="小王")  # free, but not of 投诉
    sup = world.agent(shop, role="supervisor", group="投诉")  # watching: away
    buyer = world.buyer(shop)
    conv = buyer.send("快递三天了还没到，我要投诉").json()["conversation_id"]
    sender.post(f"/api/conversations/{conv}/take")
    sender.post(f"/api/conversations/{conv}/messages", {"text": "我帮您转给投诉专员处理"})
    frozen.advance(seconds=30)
    buyer.send("好的，快点")
    frozen.advance(seconds=30)
    r = sender.post(f"/api/conversations/{conv}/transfer", {"group": "投诉", "note": "物流投诉"})
    assert r.status_code == 200 and r.json()["conversation"]["status"] == "waiting"
    assert texts(buyer)[-1] == ("system", "正在为您转接投诉专员。当前暂无在线的投诉专员，您可以先留言，"
                                          "上线后会第一时间回复您。")
    assert route(world, shop) == []  # not the sender, not the free 售前 agent
    timers(world, UNSTAFFED_TIMER)
    [said] = alerts(sup, "unstaffed_")
    assert said["kind"] == "unstaffed_投诉" and said["conversation_id"] == conv and said["agent_id"] == sender.id
    [q] = sup.get("/api/routing/queue").json()["queue"]
    assert q["group"] == "投诉" and q["no_agent"] and q["waited_seconds"] == 30  # waiting since "好的，快点"

    # the sender may take it back by hand from the waiting list; the buyer is not told twice who serves them
    assert sender.post(f"/api/conversations/{conv}/take").json()["conversation"]["assignee_id"] == sender.id
    assert served_lines(buyer) == [SERVES.format("小张")]
    # handed to the group again, a 投诉 agent who comes online gets it, and the buyer is told
    sender.post(f"/api/conversations/{conv}/transfer", {"group": "投诉"})
    complaints = world.agent(shop, group="投诉", name="陈姐")
    assert route(world, shop) == [(conv, complaints.id)]
    assert served_lines(buyer) == [SERVES.format("小张"), SERVES.format("陈姐")]


def test_a_transfer_to_a_staffed_group_tells_the_buyer_in_their_language(world):
    shop = world.shop()
    sender = world.agent(shop, group="售后")
    receiver = world.agent(shop, group="投诉", name="陈姐")
    buyer = world.buyer(shop)
    conv = buyer.send("Where is my parcel? It's been a week", lang="en").json()["conversation_id"]
    sender.post(f"/api/conversations/{conv}/take")
    sender.post(f"/api/conversations/{conv}/transfer", {"group": "投诉"})
    assert texts(buyer)[-1] == ("system", "We're transferring you to our complaints team, please hold on.")
    assert route(world, shop) == [(conv, receiver.id)]
    assert texts(buyer)[-1] == ("system", "陈姐 is now helping you.")


def test_every_change_of_serving_agent_is_announced_once(world, frozen):
    """Defect: after a supervisor took over, the buyer got no "…为您服务" line."""
    shop = world.shop()
    agent = world.agent(shop, name="小李")
    colleague = world.agent(shop, name="小周")
    sup = world.agent(shop, role="supervisor", name="王主管")
    senior = world.agent(shop, role="senior", group="投诉", name="陈姐")
    buyer = world.buyer(shop)
    conv = buyer.send("这件衣服起球了，怎么处理").json()["conversation_id"]
    assert route(world, shop) == [(conv, agent.id)]
    sup.post(f"/api/conversations/{conv}/assign", {"agent_id": sup.id})  # 接管 on the supervisor view
    sup.post(f"/api/conversations/{conv}/assign", {"agent_id": sup.id})  # a second click changes nothing
    sup.post(f"/api/conversations/{conv}/transfer", {"agent_id": colleague.id})
    h = colleague.post(f"/api/conversations/{conv}/escalate", {"note": "要求三倍赔偿"}).json()["handoff"]
    senior.post(f"/api/handoffs/{h['id']}/accept")
    assert served_lines(buyer) == [SERVES.format(n) for n in ("小李", "王主管", "小周", "陈姐")]
    assert conv_of(sup, conv)["conversation"]["assignee_id"] == senior.id
