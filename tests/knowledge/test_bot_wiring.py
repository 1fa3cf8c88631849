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
    assert [m["sender"] for m in msgs] == ["buyer", "bot", "bot"]
    assert "智能助手" in msgs[1]["text"] and "运费" in msgs[2]["text"]  # the greeting once, first
    buyer.send("退款多久到账")
    senders = [m["sender"] for m in buyer.get("/api/widget/conversation").json()["messages"]]
    assert senders == ["buyer", "bot", "bot", "buyer", "bot"]  # no second greeting
    assert "智能助手" not in buyer.get("/api/widget/conversation").json()["messages"][-1]["text"]
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


def test_bot_speaks_the_widget_language(world):
    """The same questions from the English and the Chinese widget: the bot's own lines follow the window's
    language, options and answers are the articles' own words."""
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    for title in ("退货运费谁出", "换货运费谁出", "退款多久到账"):
        assert trainer.post("/api/kb/articles", article_body(title)).status_code == 201
    en, zh = world.buyer(shop), world.buyer(shop)

    def last(buyer):
        return buyer.get("/api/widget/conversation").json()["messages"][-1]

    en.send("运费谁出", lang="en")
    zh.send("运费谁出", lang="zh")
    ask_en, ask_zh = last(en), last(zh)
    assert ask_en["sender"] == "bot" and ask_en["bot"]["action"] == "clarify"
    assert ask_en["text"].startswith("Which of these do you mean? Reply with its number:\n1. ")
    assert ask_en["text"].endswith("\nIf none fits, try rewording it, or tap “Talk to a person”.")
    assert {"退货运费谁出", "换货运费谁出"} <= {o["title"] for o in ask_en["bot"]["options"]}
    assert ask_zh["text"].startswith("您想问的是下面哪一个？回复序号即可：\n1. ")
    assert ask_zh["text"].endswith("\n都不是的话可以换个说法，或回复“转人工”。")
    n = next(o["n"] for o in ask_en["bot"]["options"] if o["title"] == "退货运费谁出")
    en.send(str(n), lang="en")
    assert last(en)["bot"]["action"] == "answer" and "买家承担" in last(en)["text"]  # the article, as written
    en.send("转人工", lang="en")  # what the widget's "Talk to a person" button sends
    zh.send("转人工", lang="zh")
    assert last(en)["text"] == ("Sure, connecting you to a person now. They can see this chat, "
                                "so you won't need to repeat yourself.")
    assert last(zh)["text"] == "好的，正在为您转接人工客服，请稍候。刚才的对话客服都能看到，您不用再重复描述。"
