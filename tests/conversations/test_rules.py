"""Pure message and status rules, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.conversations import rules
from kefu.core.errors import BadInput, Conflict


def test_clean_text_strips_controls_and_whitespace_but_keeps_newlines():
    assert rules.clean_text("  你好\x00\u200b，\r\n在吗？？？  ") == "你好，\n在吗？？？"


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x07", "\u200b\ufeff", None, 5, ["x"]])
def test_clean_text_rejects_empty_and_non_text(bad):
    with pytest.raises(BadInput):
        rules.clean_text(bad)


def test_clean_text_limit_is_exact():
    assert len(rules.clean_text("a" * 5000)) == 5000
    with pytest.raises(BadInput) as err:
        rules.clean_text("a" * 5001)
    assert err.value.status == 413 and "5000" in err.value.zh


@given(st.text(max_size=6000))
def test_clean_text_never_crashes_and_never_returns_blank(text):
    try:
        out = rules.clean_text(text)
    except BadInput:
        return
    assert out.strip() and len(out) <= 5000


@pytest.mark.parametrize("value,ok", [(None, True), ("", True), ("abc-123", True), ("x" * 64, True),
                                      ("x" * 65, False), ("a\nb", False), (12, False)])
def test_client_msg_id(value, ok):
    if ok:
        assert rules.clean_client_msg_id(value) in (None, value)
    else:
        with pytest.raises(BadInput):
            rules.clean_client_msg_id(value)


@pytest.mark.parametrize("value,lang", [(None, "zh"), ("", "zh"), ("zh", "zh"), ("en", "en"), ("EN", None),
                                        ("en-US", None), ("fr", None), (1, None), (["en"], None)])
def test_clean_lang_accepts_only_the_widgets_languages(value, lang):
    if lang is not None:
        assert rules.clean_lang(value) == lang
    else:
        with pytest.raises(BadInput) as err:
            rules.clean_lang(value)
        assert (err.value.status, err.value.code) == (422, "bad_lang")


def test_preview_is_one_line_and_short():
    assert rules.preview("第一行\n第二行") == "第一行 第二行"
    assert len(rules.preview("长" * 200)) == 60 and rules.preview("长" * 200).endswith("…")


@pytest.mark.parametrize("status,assignee,agent,ok", [
    ("waiting", None, 1, True), ("assigned", 1, 1, True), ("assigned", 2, 1, False), ("closed", None, 1, False)])
def test_check_can_take(status, assignee, agent, ok):
    if ok:
        rules.check_can_take(status, assignee, agent)
    else:
        with pytest.raises(Conflict):
            rules.check_can_take(status, assignee, agent)


def test_close_and_reopen_transitions():
    with pytest.raises(Conflict):
        rules.check_can_close("closed")
    with pytest.raises(Conflict):
        rules.check_can_reopen("assigned")
    assert rules.status_after_reopen(7) == "assigned"
    assert rules.status_after_reopen(None) == "waiting"


def _analysis(label, conf, anger, abusive=False, emotion="calm", small_talk=None):
    return {"intent": {"label": label, "confidence": conf},
            "emotion": {"label": emotion, "anger": anger, "abusive": abusive}, "small_talk": small_talk}


@pytest.mark.parametrize("prev,new,expected_intent", [
    ((None, 0.0), ("refund", 0.3), "refund"),          # first reading is taken even if unsure
    (("refund", 0.3), ("logistics", 0.7), "logistics"),  # a more confident reading replaces an unsure one
    (("refund", 0.8), ("other", 0.9), "refund"),        # a settled intent stays
    (("refund", 0.4), ("other", 0.2), "refund"),        # a weaker reading does not replace
    (("refund", 0.4), ("other", 0.95), "refund"),       # small talk never replaces a real request
    (("other", 0.4), ("refund", 0.5), "refund"),
    (("other", 0.95), ("logistics", 0.4), "logistics"),  # a request replaces an "other" read from a greeting
])
def test_conversation_intent(prev, new, expected_intent):
    mood = rules.conversation_mood(prev[0], prev[1], 0.0, False, _analysis(new[0], new[1], 0.0))
    assert mood["intent"] == expected_intent


def test_conversation_anger_decays_and_abuse_sticks():
    mood = rules.conversation_mood("logistics", 0.9, 0.0, False, _analysis("logistics", 0.9, 0.95, emotion="angry"))
    assert mood["emotion"] == "angry" and mood["anger"] == 0.95
    calmer = rules.conversation_mood("logistics", 0.9, mood["anger"], False, _analysis("other", 0.5, 0.05))
    assert calmer["anger"] == pytest.approx(0.76) and calmer["emotion"] == "angry"
    abused = rules.conversation_mood("other", 0.9, 0.0, True, _analysis("other", 0.9, 0.1))
    assert abused["abusive"] and abused["emotion"] == "angry" and abused["anger"] >= 0.5


def test_conversation_intent_comes_from_substantive_messages_not_greetings():
    """An angry delivery chat opened with "你好" was labelled 其他 (and routed to 售前): greetings and thanks
    never set the intent, the first real request does, and later small talk leaves it alone."""
    hello = rules.conversation_mood(None, 0.0, 0.0, False, _analysis("other", 0.97, 0.0, small_talk="greeting"))
    assert (hello["intent"], hello["intent_confidence"]) == ("other", 0.0)
    angry = rules.conversation_mood(hello["intent"], hello["intent_confidence"], 0.0, False,
                                    _analysis("logistics", 0.45, 0.8, emotion="angry"))
    assert angry["intent"] == "logistics" and angry["emotion"] == "angry"
    thanks = rules.conversation_mood("logistics", 0.45, 0.8, False, _analysis("presale", 0.9, 0.0, small_talk="ack"))
    assert thanks["intent"] == "logistics" and thanks["intent_confidence"] == 0.45


def test_stored_analysis_keeps_small_talk_only_when_it_is():
    full = {"intent": {"label": "other", "confidence": 0.9}, "emotion": {"label": "calm", "anger": 0.0,
                                                                         "abusive": False, "scores": {}},
            "entities": {"order_numbers": [], "phones": []}, "wants_human": False, "masked_text": "你好",
            "tokens": ["你好"], "small_talk": "greeting"}
    assert rules.stored_analysis(full)["small_talk"] == "greeting"
    assert "small_talk" not in rules.stored_analysis({**full, "small_talk": None})
