"""The widget's 转人工 / Talk to a person button is an action: a system line in the buyer's language, no
"转人工" put in the buyer's mouth, and the FAQ bot hands off as it does when the buyer types 转人工."""

from __future__ import annotations

from tests.conversations.test_realtime import is_event, until
from tests.knowledge.conftest import article_body

EN_LINE = "You asked for a person. Please hold on."
ZH_LINE = "您已申请人工客服，请稍候"


def messages(buyer) -> list[dict]:
    return buyer.get("/api/widget/conversation").json()["messages"]


def test_handoff_frame_opens_a_chat_with_a_system_line_in_the_buyers_language(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    with agent.ws() as aws, buyer.ws() as bws:
        until(aws, lambda f: f["type"] == "ready")
        until(bws, lambda f: f["type"] == "ready")
        bws.send_json({"type": "human_request", "client_msg_id": "h-1", "lang": "en"})
        ack = until(bws, lambda f: f["type"] == "ack")
        assert ack["client_msg_id"] == "h-1" and ack["duplicate"] is False
        assert (ack["message"]["sender"], ack["message"]["text"]) == ("system", EN_LINE)
        seen = until(aws, is_event("message.created"))["event"]["data"]
        assert seen["message"]["text"] == EN_LINE and seen["conversation"]["status"] == "waiting"
        bws.send_json({"type": "human_request", "client_msg_id": "h-1", "lang": "en"})  # a resend
        assert until(bws, lambda f: f["type"] == "ack")["duplicate"] is True
    again = buyer.post("/api/widget/handoff", {"client_msg_id": "h-3", "lang": "en"})  # pressed again
    assert again.status_code == 201 and again.json()["duplicate"] is True
    assert [(m["sender"], m["text"]) for m in messages(buyer)] == [("system", EN_LINE)]  # nothing from "the buyer"
    bad = buyer.post("/api/widget/handoff", {"client_msg_id": "h-2", "lang": "fr"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_lang"


def test_button_hands_off_from_the_bot_and_typed_zhuanrengong_still_works(world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    assert trainer.post("/api/kb/articles", article_body("退货运费谁出")).status_code == 201
    pressed, typed = world.buyer(shop), world.buyer(shop)
    pressed.send("退货的运费是谁出呀", lang="en")
    typed.send("退货的运费是谁出呀", lang="en")

    r = pressed.post("/api/widget/handoff", {"client_msg_id": "h-1", "lang": "en"})  # the socket is down
    assert r.status_code == 201 and r.json()["message"]["text"] == EN_LINE
    assert pressed.post("/api/widget/handoff", {"client_msg_id": "h-1", "lang": "en"}).json()["duplicate"] is True
    typed.send("转人工", lang="en")

    after_button = [(m["sender"], m["text"]) for m in messages(pressed)][-2:]
    after_typing = [(m["sender"], m["text"]) for m in messages(typed)][-2:]
    handoff = ("bot", "Sure, connecting you to a person now. They can see this chat, "
                      "so you won't need to repeat yourself.")
    assert after_button == [("system", EN_LINE), handoff]
    assert after_typing == [("buyer", "转人工"), handoff]
    pressed.send("怎么开发票", lang="en")  # handed off: the bot stays quiet
    assert messages(pressed)[-1]["sender"] == "buyer"


def test_chinese_button_line(world):
    buyer = world.buyer(world.shop())
    r = buyer.post("/api/widget/handoff", {"lang": "zh"})
    assert r.status_code == 201 and r.json()["message"]["text"] == ZH_LINE
