"""The FAQ bot's turn on real conversations: greet, answer, clarify, hand off, ratings and resolution rate."""

from __future__ import annotations

import pytest

from kefu.conversations import service as chat
from kefu.knowledge import bot


@pytest.fixture(autouse=True)
def bot_by_hand(monkeypatch):
    """These tests take the bot's turns themselves; the chat loop's own call is covered in test_bot_wiring."""
    async def silent(*_args, **_kw):
        return None

    monkeypatch.setattr(bot, "answer", silent)


def turn(kb, conv_id: int, text: str, analysis: dict | None = None):
    async def go():
        async with kb["world"].db.transaction() as s:
            conv = await chat.get_conversation(s, kb["shop"].id, conv_id)
            return await bot.handle_buyer_message(s, conv, text, analysis=analysis)

    return kb["world"].run(go)


def greet(kb, conv_id: int):
    async def go():
        async with kb["world"].db.transaction() as s:
            return await bot.greet(s, await chat.get_conversation(s, kb["shop"].id, conv_id))

    return kb["world"].run(go)


def test_bot_answers_rates_and_hands_off_with_the_transcript(kb):
    buyer = kb["world"].buyer(kb["shop"])
    conv_id = buyer.send("退货运费谁出").json()["conversation_id"]
    hello = greet(kb, conv_id)
    assert hello["action"] == "greet" and "知识库测试店" in hello["text"]
    assert greet(kb, conv_id) is None  # once per conversation
    d = turn(kb, conv_id, "退货运费谁出")
    assert d["action"] == "answer" and d["article_id"] == kb["ids"]["退货运费谁出"] and "买家承担" in d["text"]
    r = buyer.post(f"/api/kb/bot/answers/{d['log_id']}/rating", {"helpful": True})
    assert r.status_code == 200 and r.json()["helpful"] is True
    stranger = kb["world"].buyer(kb["shop"])
    assert stranger.post(f"/api/kb/bot/answers/{d['log_id']}/rating", {"helpful": False}).status_code == 403
    h = turn(kb, conv_id, "还是转人工吧")
    assert (h["action"], h["reason"]) == ("handoff", "asked_for_human")
    assert turn(kb, conv_id, "在吗") is None  # silent once handed off
    msgs = kb["agent"].get(f"/api/conversations/{conv_id}").json()["messages"]
    assert [m["sender"] for m in msgs] == ["buyer", "bot", "bot", "bot"]
    assert msgs[2]["text"] == d["text"]


def test_bot_greets_in_the_widget_language(kb):
    en, zh = kb["world"].buyer(kb["shop"]), kb["world"].buyer(kb["shop"])
    for buyer, lang, hello in (
            (en, "en", "Hi, I'm the virtual assistant of 知识库测试店. Ask me about shipping, returns and exchanges, "
                       "refunds or invoices; tap “Talk to a person” any time to reach our team."),
            (zh, "zh", "您好，我是知识库测试店的智能助手，发货、退换货、退款、发票等常见问题可以直接问我；"
                       "需要人工客服请随时回复“转人工”。")):
        conv_id = buyer.send("在吗", lang=lang).json()["conversation_id"]
        assert greet(kb, conv_id)["text"] == hello
        seen = buyer.get("/api/widget/conversation").json()["messages"][-1]
        assert (seen["sender"], seen["text"]) == ("bot", hello)


def test_bot_clarifies_then_hands_off_on_repeated_low_confidence(kb):
    buyer = kb["world"].buyer(kb["shop"])
    conv_id = buyer.send("那个东西怎么弄啊").json()["conversation_id"]
    d = turn(kb, conv_id, "那个东西怎么弄啊")
    assert d["action"] == "clarify" and len(d["options"]) <= 3
    if d["options"]:
        picked = turn(kb, conv_id, "1")
        assert picked["action"] == "answer" and picked["article_id"] == d["options"][0]["article_id"]
        d = turn(kb, conv_id, "嗯那个呢")
        assert d["action"] == "clarify"
    h = turn(kb, conv_id, "随便什么都行吧")
    assert (h["action"], h["reason"]) == ("handoff", "low_confidence")


def test_angry_buyer_goes_to_a_human_and_stats_count_it(kb):
    buyer = kb["world"].buyer(kb["shop"])
    conv_id = buyer.send("退货运费谁出？？你们太过分了").json()["conversation_id"]
    d = turn(kb, conv_id, "退货运费谁出？？你们太过分了", analysis={"wants_human": False,
                                                          "emotion": {"label": "angry", "abusive": False}})
    assert (d["action"], d["reason"]) == ("handoff", "angry")
    stats = kb["trainer"].get("/api/kb/bot/stats").json()
    assert stats["conversations"] >= 2 and stats["handoffs"] >= 2 and 0 <= stats["resolution_rate"] <= 1
    assert kb["agent"].get("/api/kb/bot/stats").status_code == 403


def test_bot_stays_silent_when_an_agent_has_the_conversation(kb):
    buyer = kb["world"].buyer(kb["shop"])
    conv_id = buyer.send("怎么开发票").json()["conversation_id"]
    assert kb["agent"].post(f"/api/conversations/{conv_id}/take").status_code == 200
    assert turn(kb, conv_id, "怎么开发票") is None
