"""analyze() on realistic buyer messages, and bad input that must never crash it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.nlu import service
from kefu.nlu.data.generate import INTENTS

INTENT_CASES = [
    ("我的快递到哪了，三天了还没到", "logistics"),
    ("发票抬头写错了，能改成公司的吗", "invoice"),
    ("刚买就降价了，能补差价吗", "price"),
    ("我想取消订单，拍错了", "cancel"),
    ("衣服小了，想换大一码", "exchange"),
    ("退款什么时候到账", "refund"),
    ("这款耳机有现货吗", "presale"),
    ("收到的杯子是碎的", "quality"),
    ("发错货了，我买的是黑色", "wrong_item"),
    ("地址填错了，帮我改一下", "order_change"),
]


@pytest.mark.parametrize(("text", "label"), INTENT_CASES)
def test_intent_of_clear_requests(text, label):
    assert service.analyze(text).intent["label"] == label


def test_analysis_shape():
    a = service.analyze("订单号123456789012还没发货？？？电话13812345678，转人工").to_dict()
    assert set(a) >= {"intent", "emotion", "entities", "wants_human", "masked_text", "tokens", "polarity"}
    assert a["intent"]["label"] in INTENTS and 0 <= a["intent"]["confidence"] <= 1
    assert a["emotion"]["label"] in {"angry", "negative", "calm"} and 0 <= a["emotion"]["anger"] <= 1
    assert a["wants_human"] is True
    assert "13812345678" not in a["masked_text"] and "138****5678" in a["masked_text"]
    assert a["entities"]["order_numbers"][0]["text"] == "123456789012"
    json.dumps(a, ensure_ascii=False)


def test_angry_and_abusive_buyers():
    a = service.analyze("你们这什么垃圾服务，傻逼！！！")
    assert a.emotion["label"] == "angry" and a.emotion["abusive"] is True and a.emotion["anger"] >= 0.9
    b = service.analyze("都五天了还不发货，到底怎么回事！！再不处理我就投诉")
    assert b.emotion["label"] == "angry" and b.emotion["abusive"] is False


def test_calm_polite_buyer():
    a = service.analyze("你好，请问这款有白色的吗？谢谢")
    assert a.emotion["label"] == "calm" and a.emotion["anger"] < 0.3 and not a.wants_human


ENGLISH_CASES = [
    ("Where is my parcel? I ordered it five days ago", "logistics"),
    ("Can I get an invoice for my order?", "invoice"),
    ("I want to cancel my order", "cancel"),
    ("I'd like to return these shoes", "return"),
    ("When will I get my money back?", "refund"),
]


@pytest.mark.parametrize(("text", "label"), ENGLISH_CASES)
def test_english_widget_buyers_get_an_intent(text, label):
    # the models read Chinese; common English request words are glossed in Chinese before they read
    assert service.analyze(text).intent["label"] == label


def test_english_mood_words_reach_the_emotion_model():
    assert service.analyze("You people are useless, this shop is a scam").emotion["label"] == "angry"
    assert service.analyze("Thanks, that helps a lot").emotion["label"] == "calm"
    assert service.analyze("hello, nice cardigan").emotion["anger"] < 0.3  # no gloss hides in longer words


def test_context_helps_a_short_reply():
    a = service.analyze("是的", context=["我想退款，东西不要了", "退款多久到账"])
    assert a.intent["label"] == "refund"


def test_masked_tokens_survive_in_tokens():
    a = service.analyze("[数字x]这个订单申请价保")
    assert "[数字x]" in a.tokens


def test_non_string_is_a_clear_error():
    with pytest.raises(TypeError, match="str"):
        service.analyze(None)  # type: ignore[arg-type]


def test_empty_text():
    a = service.analyze("")
    assert a.intent == {"label": "other", "confidence": 1.0}
    assert a.emotion["label"] == "calm" and a.masked_text == "" and a.tokens == []


def test_huge_text_is_fast_enough():
    a = service.analyze("退款" * 50_000)
    assert a.intent["label"] in INTENTS and len(a.masked_text) == 100_000


def _valid(a: service.Analysis, text: str) -> None:
    d = a.to_dict()
    assert d["intent"]["label"] in INTENTS
    assert d["emotion"]["label"] in {"angry", "negative", "calm"}
    assert 0.0 <= d["emotion"]["anger"] <= 1.0
    assert isinstance(d["masked_text"], str)
    for spans in d["entities"].values():
        for s in spans:
            assert 0 <= s["start"] <= s["end"] <= len(text)
    json.dumps(d, ensure_ascii=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_a_valid_analysis(text):
    _valid(service.analyze(text), text)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200),
       st.lists(st.text(max_size=50), max_size=4))
def test_control_chars_and_no_chinese(text, context):
    _valid(service.analyze(text, context=context), text)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="退款订单号123456789[]数字x链接！？? 😡傻逼转人工", max_size=120))
def test_shop_like_noise(text):
    _valid(service.analyze(text), text)


def test_essentials_are_what_analyze_says_of_the_same_line():
    """A chat stores essentials(); they must agree with the full analysis a supervisor's tools show."""
    for text, context in (("我的快递到哪了，三天了还没到", None), ("是的", ["我想退款，东西不要了", "退款多久到账"]),
                          ("你们怎么这么慢 气死我了 转人工", ["在吗"]), ("谢谢", None), ("", None)):
        full = service.analyze(text, context=context).to_dict()
        brief = service.essentials(text, context)
        assert brief == {k: full[k] for k in ("intent", "emotion", "entities", "wants_human", "small_talk")}
