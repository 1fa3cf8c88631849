"""The FAQ bot in the chat loop: it answers a waiting buyer from the KB, hands off on 转人工, stays silent
once a person serves the buyer, and shops without a knowledge base have no bot."""

from __future__ import annotations

from tests.knowledge.conftest import article_body


def test_bot_answers_waiting_buyer_and_hands_off(world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    for title in ("退货运费谁出", "怎么开发票", "退款多久到账"):
        assert trainer.post("/api/kb/articles", article_body(title)).status_code == 201
    buyer = world.buyer(shop)
    buyer.send("退货的运费是谁出呀")
    msgs = buyer.get("/api/widget/conversation").json()["messages"]
    assert [m["sender"] for m in msgs] == ["buyer", "bot"] and "运费" in msgs[-1]["text"]
    buyer.send("转人工")
    last = buyer.get("/api/widget/conversation").json()["messages"][-1]
    assert last["sender"] == "bot" and "人工" in last["text"]
    buyer.send("怎么开发票")  # handed off: the bot stays quiet now
    assert buyer.get("/api/widget/conversation").json()["messages"][-1]["sender"] == "buyer"


def test_no_bot_once_a_person_serves_or_without_a_kb(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv = buyer.send("退货的运费是谁出呀").json()["conversation_id"]
    assert [m["sender"] for m in buyer.get("/api/widget/conversation").json()["messages"]] == ["buyer"]
    trainer = world.agent(shop, role="trainer")
    trainer.post("/api/kb/articles", article_body("退货运费谁出"))
    agent.post(f"/api/conversations/{conv}/take")
    buyer.send("退货运费谁出")
    assert buyer.get("/api/widget/conversation").json()["messages"][-1]["sender"] == "buyer"


def test_buyer_rates_a_bot_answer_by_its_message(world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    trainer.post("/api/kb/articles", article_body("退货运费谁出"))
    buyer = world.buyer(shop)
    buyer.send("退货运费谁出")
    answer = buyer.get("/api/widget/conversation").json()["messages"][-1]
    assert answer["sender"] == "bot"
    r = buyer.post(f"/api/kb/bot/messages/{answer['id']}/rating", {"helpful": True})
    assert r.status_code == 200 and r.json()["helpful"] is True
    assert world.buyer(shop).post(f"/api/kb/bot/messages/{answer['id']}/rating", {"helpful": False}).status_code == 403


def test_bot_messages_tell_the_widget_what_they_are(world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    for title in ("退货运费谁出", "换货运费谁出", "退款多久到账"):
        trainer.post("/api/kb/articles", article_body(title))
    buyer = world.buyer(shop)
    buyer.send("退货运费谁出")
    answer = buyer.get("/api/widget/conversation").json()["messages"][-1]
    assert answer["bot"]["action"] == "answer" and answer["bot"]["log_id"] and "analysis" not in answer
    r = buyer.post(f"/api/kb/bot/answers/{answer['bot']['log_id']}/rating", {"helpful": False})
    assert r.status_code == 200 and r.json()["helpful"] is False
    events = [e for e in buyer.get("/api/widget/events").json()["events"] if e["type"] == "message.created"]
    assert events[-1]["data"]["message"]["bot"]["action"] == "answer"
