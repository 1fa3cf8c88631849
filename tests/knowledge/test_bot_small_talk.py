"""The FAQ bot in the chat loop with real buyer lines: a follow-up that asks one of the offered articles is
answered with it, small talk gets no article chips, and the conversation's intent skips the greeting."""

from __future__ import annotations

from tests.knowledge.conftest import article_body

INVOICE = ("发票金额为什么和付款不一样", "发票开错了能重开吗", "下单后能补开发票信息吗", "怎么开发票",
           "发票什么时候开", "能开增值税专用发票吗", "退货运费谁出", "怎么查物流")


def messages(buyer):
    return buyer.get("/api/widget/conversation").json()["messages"]


def chips(m):
    """The option chips the widget shows under a bot line."""
    return [o["title"] for o in (m.get("bot") or {}).get("options", [])]


def test_follow_up_matching_an_offered_option_is_answered(world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    for title in INVOICE:
        assert trainer.post("/api/kb/articles", article_body(title)).status_code == 201
    buyer = world.buyer(shop)
    buyer.send("发票有问题")
    offered = messages(buyer)[-1]
    assert offered["sender"] == "bot" and "发票金额为什么和付款不一样" in chips(offered), offered["text"]
    buyer.send("为何发票开的是300元?")
    answer = messages(buyer)[-1]
    assert answer["sender"] == "bot"
    assert answer["text"].startswith("发票按实际支付金额开具"), answer["text"]  # the offered article, no transfer



def test_hello_gets_the_greeting_only_and_the_intent_waits_for_the_request(world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    agent = world.agent(shop)
    for title in INVOICE:
        trainer.post("/api/kb/articles", article_body(title))
    buyer = world.buyer(shop)
    conv_id = buyer.send("你好").json()["conversation_id"]
    msgs = messages(buyer)
    assert [m["sender"] for m in msgs] == ["buyer", "bot"] and "智能助手" in msgs[1]["text"]  # no article chips
    assert chips(msgs[1]) == []
    buyer.send("在吗？")
    last = messages(buyer)[-1]
    assert last["sender"] == "bot" and "请问有什么可以帮您" in last["text"] and chips(last) == []
    conv = agent.get(f"/api/conversations/{conv_id}").json()["conversation"]
    assert conv["intent"] == "other"
    buyer.send("我的快递五天了还没到，到底怎么回事")
    conv = agent.get(f"/api/conversations/{conv_id}").json()["conversation"]
    assert conv["intent"] == "logistics"  # a greeting's "other" gives way to the first real request
    buyer.send("好的谢谢")
    assert agent.get(f"/api/conversations/{conv_id}").json()["conversation"]["intent"] == "logistics"
