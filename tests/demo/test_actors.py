"""The demo's simulated colleagues (kefu.demo.actors) on a frozen clock: they answer their buyers with the shop's
templates after a delay, stay online past the silence check, and leave new buyers to the person who logs in."""

from __future__ import annotations

from kefu.agents import service as agent_service
from kefu.agents.models import Agent
from kefu.conversations.models import Conversation
from kefu.demo.actors import DemoActors, Pace
from kefu.demo.data import AGENTS, SIMULATED
from kefu.knowledge import service as kb
from kefu.routing.service import route_shop
from kefu.starter.templates import TEMPLATES


def templates(world, shop) -> None:
    async def go():
        async with world.db.transaction() as s:
            for scene, shortcut, title, body in TEMPLATES:
                await kb.save_template(s, shop.id, None, scene=scene, title=title, shortcut=shortcut, body=body)

    world.run(go)


def row(world, model, id_):
    async def go():
        async with world.db.transaction() as s:
            return await s.get(model, id_)

    return world.run(go)


def route(world, shop) -> list[tuple[int, int]]:
    async def go():
        async with world.db.transaction() as s:
            return await route_shop(s, shop.id)

    return world.run(go)


def test_the_demo_plays_everyone_but_the_logins_it_prints():
    usernames = {a.username for a in AGENTS}
    assert usernames > SIMULATED
    people = {a.username: a for a in AGENTS if a.username not in SIMULATED}
    assert {"laowang", "xiaoli", "ajie"} <= set(people)  # the logins docs/demo.md suggests
    groups = {a.group for a in AGENTS if a.username in SIMULATED}
    assert groups == {"售前", "售后", "投诉"}  # every group has someone who answers


def test_simulated_agent_answers_stays_online_and_leaves_new_buyers_to_the_person(world, frozen):
    shop = world.shop("演示小店")
    templates(world, shop)
    bot = world.agent(shop, name="小周", group="售前")  # logs in: online
    person = world.agent(shop, name="小李", group="售前", login=False)
    sim_name = bot.info["username"]
    actors = DemoActors(world.db, slug=shop.slug, simulated=frozenset({sim_name}), seats={sim_name: 5},
                        pace=Pace(reply_after=(20, 20), wrap_up_after=240))

    # A buyer asks; nobody but the simulated agent is online, so it gets the buyer.
    buyer = world.buyer(shop)
    conv_id = buyer.send("你好，我想退货，七天无理由可以吗").json()["conversation_id"]
    assert route(world, shop) == [(conv_id, bot.id)]
    frozen.advance(seconds=10)
    assert world.run(actors.step) == {"replied": 0, "closed": 0}  # reading and typing take time
    frozen.advance(seconds=15)
    assert world.run(actors.step) == {"replied": 1, "closed": 0}
    replies = [m["text"] for m in buyer.get("/api/widget/conversation").json()["messages"] if m["sender"] == "agent"]
    assert "这里是演示小店，我是客服小周" in replies[0] and "退货" in replies[1]
    assert "{" not in "".join(replies)  # only templates the conversation fills completely

    # Signs of life through record_seen: past the three-minute silence the agent is still online.
    for _ in range(4):
        frozen.advance(seconds=61)
        world.run(actors.step)

    async def silence_check():
        async with world.db.transaction() as s:
            return await agent_service.away_if_silent(s, bot.id)

    assert world.run(silence_check) == "seen"
    assert row(world, Agent, bot.id).presence == "online"
    # The buyer went quiet after the answer: goodbye with the closing template, and the chat is closed.
    closed = row(world, Conversation, conv_id)
    assert closed.status == "closed"
    assert buyer.get("/api/widget/conversation").json()["messages"][-1]["text"].startswith("感谢您的耐心")

    # A person logs in as 小李: the next buyer of the group goes to them, not to the simulated colleague.
    world.login(person.username)
    world.run(actors.step)
    assert row(world, Agent, bot.id).presence == "online"
    second = world.buyer(shop).send("在吗，请问这件有货吗").json()["conversation_id"]
    assert route(world, shop) == [(second, person.id)]

    # When the person is gone, the simulated colleague takes buyers again.
    async def leave():
        async with world.db.transaction() as s:
            await agent_service.set_presence(s, await s.get(Agent, person.id), "offline")

    world.run(leave)
    world.run(actors.step)
    third = world.buyer(shop).send("你好，发什么快递").json()["conversation_id"]
    assert route(world, shop) == [(third, bot.id)]


def test_people_nobody_plays_are_sent_away_at_the_start(world, frozen):
    """The demo data has its people online hours ago: at the start they go away at once, so the first buyers
    are not given to logins nobody uses; the simulated colleagues are left online."""
    shop = world.shop("演示小店")
    sim = world.agent(shop, name="阿琳", group="投诉")
    absent = world.agent(shop, name="小李", group="售前")  # logged in, then nobody at the keyboard
    waiting = world.buyer(shop).send("这件羽绒服有黑色M码吗").json()["conversation_id"]
    assert world.run(route_shop_of, world, shop) == [(waiting, absent.id)]
    frozen.advance(seconds=600)
    actors = DemoActors(world.db, slug=shop.slug, simulated=frozenset({sim.info["username"]}), seats={})
    assert world.run(actors.send_absent_away) == 1
    assert row(world, Agent, absent.id).presence == "away"
    assert row(world, Agent, sim.id).presence == "online"
    # Their buyer waits for someone else now, and whoever logs in as 小李 is not told "1 个会话因您离开已转回排队"
    # for what the demo did (a newcomer saw it on their first login).
    assert row(world, Conversation, waiting).status == "waiting"
    assert row(world, Agent, absent.id).moved_unseen == 0


async def route_shop_of(world, shop):
    async with world.db.transaction() as s:
        return await route_shop(s, shop.id)


def test_simulated_senior_accepts_an_escalation_and_answers_the_buyer(world, frozen):
    shop = world.shop("演示小店")
    templates(world, shop)
    person = world.agent(shop, name="阿杰", group="售后")
    senior = world.agent(shop, role="senior", name="陈姐", group="投诉")
    name = senior.info["username"]
    actors = DemoActors(world.db, slug=shop.slug, simulated=frozenset({name}), seats={name: 5},
                        pace=Pace(reply_after=(20, 20), accept_after=(15, 15)))
    buyer = world.buyer(shop)
    conv = buyer.send("退款拖了两个星期还没到，你们到底管不管").json()["conversation_id"]
    assert person.post(f"/api/conversations/{conv}/take").status_code == 200
    r = person.post(f"/api/conversations/{conv}/escalate", {"note": "退款超时，买家着急"})
    assert r.status_code in (200, 201), r.text
    frozen.advance(seconds=5)
    assert "accepted" not in world.run(actors.step)
    frozen.advance(seconds=12)
    assert world.run(actors.step)["accepted"] == 1
    assert row(world, Conversation, conv).assignee_id == senior.id
    frozen.advance(seconds=25)
    assert world.run(actors.step)["replied"] == 1
    last = buyer.get("/api/widget/conversation").json()["messages"][-1]
    assert last["sender"] == "agent" and "陈姐" in last["text"]

    # Held seats are given back when the demo stops (a later `kefu serve` of the shop sees the real limit).
    async def hold():
        async with world.db.transaction() as s:
            (await s.get(Agent, senior.id)).max_chats = 1

    world.run(hold)
    world.run(actors.give_seats_back)
    assert row(world, Agent, senior.id).max_chats == 5
