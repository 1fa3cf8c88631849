"""Which events make the router run a pass over the shop: only those that change what it decides. At a
大促 peak most messages are in chats an agent already has; a pass for each (lock, read of every waiting
buyer) was the router's whole load."""

from __future__ import annotations

import time

from kefu.core.events import events_after
from kefu.routing.handlers import Router, wants_pass

ANGRY = "你们什么破快递，三天了还不到！！！气死我了"


def ev(type_: str, **data) -> dict:
    return {"id": 1, "shop_id": 1, "type": type_, "conversation_id": 7, "customer_id": 3, "private": False,
            "data": data}


def message(sender: str, status: str, **flags) -> dict:
    return ev("message.created", message={"sender": sender}, conversation={"status": status}, **flags)


def test_a_new_waiting_buyer_and_every_change_of_seats_or_lines_want_a_pass():
    assert wants_pass(ev("conversation.created", conversation={"status": "waiting"}))
    for action in ("requeued", "closed", "assigned", "reopened"):  # transfers are requeued or assigned
        assert wants_pass(ev("conversation.updated", action=action)), action
    assert wants_pass(ev("agent.updated", presence="away"))  # presence or capacity


def test_messages_want_a_pass_only_when_they_changed_routing_state():
    assert wants_pass(message("buyer", "waiting", routing=True))  # anger, intent or abuse moved
    assert wants_pass(message("agent", "assigned", routing=True))  # an answer that took a waiting chat
    assert not wants_pass(message("buyer", "waiting"))  # "在吗" again: nobody's place changes
    assert not wants_pass(message("buyer", "assigned"))
    assert not wants_pass(message("agent", "assigned"))
    assert not wants_pass(message("bot", "waiting"))


def test_read_receipts_typing_the_routers_own_work_and_other_events_want_none():
    assert not wants_pass(ev("conversation.read", reader="agent", seq=3))
    assert not wants_pass(ev("typing", who="buyer"))
    assert not wants_pass(ev("conversation.updated", action="routed"))
    assert not wants_pass(ev("queue.position", position=2))
    assert not wants_pass(ev("supervisor.alert", kind="chats_requeued"))


def recorded(world, shop, after: int) -> list[dict]:
    async def go():
        async with world.db.transaction() as s:
            return await events_after(s, shop.id, after)
    return world.run(go)


def test_what_the_chat_records_asks_for_a_pass_only_when_routing_must_look_again(world):
    shop = world.shop()
    agent = world.agent(shop, group="售后")
    buyer = world.buyer(shop)
    conv = buyer.send("在吗").json()["conversation_id"]
    opened = recorded(world, shop, 0)
    assert any(wants_pass(e) for e in opened)  # a new buyer waits
    buyer.send("在吗？")
    start = opened[-1]["id"]
    assert not any(wants_pass(e) for e in recorded(world, shop, start))  # small talk again: nothing moved
    start = recorded(world, shop, 0)[-1]["id"]
    buyer.send(ANGRY)
    angry = [e for e in recorded(world, shop, start) if e["type"] == "message.created"]
    assert angry[0]["data"].get("routing") and wants_pass(angry[0])  # an angry buyer moves up the line
    agent.post(f"/api/conversations/{conv}/messages", {"text": "您好，我来帮您查"})  # answering takes the chat
    start = angry[-1]["id"]
    taken = recorded(world, shop, start)
    assert taken[0]["data"]["conversation"]["status"] == "assigned" and wants_pass(taken[0])
    start = taken[-1]["id"]
    buyer.send(ANGRY + "！！")
    agent.post(f"/api/conversations/{conv}/read", {"seq": 10})
    agent.post(f"/api/conversations/{conv}/messages", {"text": "已经催了"})
    later = recorded(world, shop, start)
    assert [e["type"] for e in later] == ["message.created", "conversation.read", "message.created"]
    assert not any(wants_pass(e) for e in later)


def test_pressing_for_a_person_after_a_hello_asks_for_a_pass(world):
    """Routing holds a buyer who has only said hello a few seconds for what they want; pressing 转人工 says it."""
    shop = world.shop()
    buyer = world.buyer(shop)
    buyer.send("你好")
    start = recorded(world, shop, 0)[-1]["id"]
    assert buyer.post("/api/widget/handoff", {"client_msg_id": "h-1"}).status_code == 201
    pressed = [e for e in recorded(world, shop, start) if e["type"] == "message.created"]
    assert pressed[0]["data"]["conversation"]["intent_confidence"] > 0  # no longer only small talk
    assert wants_pass(pressed[0])
    start = pressed[-1]["id"]
    buyer.send("在吗")
    assert buyer.post("/api/widget/handoff", {"client_msg_id": "h-2"}).status_code == 201
    assert not any(wants_pass(e) for e in recorded(world, shop, start))  # already a request: nothing moves


def test_a_buyer_message_in_a_served_chat_runs_no_routing_pass(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv = buyer.send("想问下尺码").json()["conversation_id"]
    agent.post(f"/api/conversations/{conv}/take")
    router = Router(world.db, sweep_seconds=600)
    router._sweep_at = time.monotonic() + 600  # only events, no sweep, in this test
    passes: list[int] = []
    run_shop = router.run_shop

    async def counted(shop_id: int):
        passes.append(shop_id)
        return await run_shop(shop_id)

    router.run_shop = counted
    world.run(router.start)
    try:
        buyer.send(ANGRY)
        agent.post(f"/api/conversations/{conv}/messages", {"text": "马上帮您查"})
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline and (not router.sub.queue.empty() or not passes):
            time.sleep(0.02)
        assert shop.id not in passes
        world.buyer(shop).send("你好，想买鞋")  # a new buyer does need one
        for _ in range(100):
            if shop.id in passes:
                break
            time.sleep(0.02)
        assert passes.count(shop.id) == 1
    finally:
        world.run(router.stop)
