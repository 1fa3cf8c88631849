"""The complaint workflow's pure rules: each stage's required fields and what is missing, times and deadlines,
the HEAT reminders per stage for an angry buyer, reopening, buyer-type flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.complaints import rules

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
LATER = (NOW + timedelta(days=2)).isoformat()
EARLIER = (NOW - timedelta(hours=3)).isoformat()
FACTS = {"what": "收到的杯子碎了", "when": EARLIER, "demand": "补发一个"}
AGREED = {"remedy": "补发新杯子", "next_steps": "今天发出，附运单号", "deadline": LATER}


def keys(stage, data, comps=(), fu_done=False):
    return [m["key"] for m in rules.missing(stage, data, NOW, comps, fu_done)]


@pytest.mark.parametrize("stage, data, comps, fu_done, expected", [
    ("soothe", {}, (), False, []),
    ("facts", {}, (), False, ["what", "when", "demand"]),
    ("facts", {"facts": {"what": "碎了", "when": EARLIER}}, (), False, ["demand"]),
    ("facts", {"facts": FACTS}, (), False, []),
    ("responsibility", {}, (), False, ["party", "note"]),
    ("responsibility", {"responsibility": {"party": "courier"}}, (), False, ["note"]),
    ("responsibility", {"responsibility": {"party": "courier", "note": "外箱破损"}}, (), False, []),
    ("remedy", {}, (), False, ["text"]),
    ("remedy", {"remedy": {"text": "补发"}}, (), False, []),
    ("remedy", {"remedy": {"text": "补发+券", "compensation": True}}, (), False, ["compensation"]),
    ("remedy", {"remedy": {"text": "补发+券", "compensation": True}}, ("rejected",), False, ["compensation"]),
    ("remedy", {"remedy": {"text": "补发+券", "compensation": True}}, ("granted",), False, []),
    ("remedy", {"remedy": {"text": "补发+券", "compensation": True}}, ("approved",), False, []),
    ("remedy", {"remedy": {"text": "补发+券", "compensation": True}}, ("granted", "pending"), False,
     ["compensation_pending"]),
    ("remedy", {"remedy": {"text": "补发"}}, ("pending",), False, ["compensation_pending"]),
    ("agreement", {}, (), False, ["remedy", "next_steps", "deadline", "sent"]),
    ("agreement", {"agreement": AGREED}, (), False, ["sent"]),
    ("agreement", {"agreement": {**AGREED, "sent_at": EARLIER}}, (), False, ["confirmed"]),
    ("agreement", {"agreement": {**AGREED, "sent_at": EARLIER, "confirmed_at": EARLIER}}, (), False, []),
    ("agreement", {"agreement": {**AGREED, "deadline": EARLIER, "sent_at": EARLIER}}, (), False,
     ["deadline_passed", "confirmed"]),
    ("agreement", {"agreement": {**AGREED, "deadline": EARLIER, "sent_at": EARLIER, "confirmed_at": EARLIER}},
     (), False, []),  # agreed in time: the agreement stands
    ("followup", {}, (), False, ["outcome"]),
    ("followup", {}, (), True, []),
    ("done", {}, (), True, ["done"]),
])
def test_what_each_stage_needs_before_moving_on(stage, data, comps, fu_done, expected):
    assert keys(stage, data, comps, fu_done) == expected


def test_missing_items_are_in_both_languages():
    for m in rules.missing("facts", {}, NOW):
        assert m["zh"] and m["en"] and m["zh"] != m["en"]


@pytest.mark.parametrize("stage, raw, error", [
    ("facts", {"when": "2026-12-07 10:00"}, "time zone"),
    ("facts", {"when": "yesterday"}, "not a valid time"),
    ("facts", {"when": (NOW + timedelta(hours=1)).isoformat()}, "future"),
    ("facts", {"what": "x" * (rules.WHAT_CHARS + 1)}, "too long"),
    ("facts", {"demand": 5}, "must be text"),
    ("facts", {"color": "red"}, "No field"),
    ("responsibility", {"party": "god"}, "buyer, seller, courier or platform"),
    ("remedy", {"compensation": "yes"}, "true or false"),
    ("agreement", {"deadline": EARLIER}, "must be in the future"),
    ("agreement", {"deadline": NOW.isoformat()}, "must be in the future"),
    ("agreement", {"deadline": (NOW + timedelta(days=400)).isoformat()}, "a year"),
    ("followup", {"outcome": "satisfied"}, "no fields"),
    ("nowhere", {}, "Unknown"),
])
def test_bad_stage_fields_are_refused_with_a_reason(stage, raw, error):
    with pytest.raises(ValueError) as exc:
        rules.clean_stage(stage, raw, NOW)
    zh, en = exc.value.args[0]
    assert zh and error in en


def test_stage_fields_are_cleaned():
    out = rules.clean_stage("facts", {"what": "  碎了\x00 ", "when": "2026-12-07T10:00+08:00", "demand": None}, NOW)
    assert out == {"what": "碎了", "when": "2026-12-07T10:00:00+08:00", "demand": ""}
    assert rules.clean_stage("agreement", {"deadline": "2026-12-09T06:00:00Z"}, NOW)["deadline"] == \
        "2026-12-09T06:00:00+00:00"


@pytest.mark.parametrize("stage, angry, expected", [
    ("soothe", True, ["hear", "empathize", "apologize"]),
    ("facts", True, ["hear", "empathize"]),
    ("responsibility", True, ["apologize", "take"]),
    ("remedy", True, ["take", "empathize"]),
    ("agreement", True, ["take"]),
    ("followup", True, ["hear", "take"]),
    ("done", True, []),
    ("soothe", False, []),
    ("remedy", False, []),
])
def test_heat_reminders_per_stage_only_for_an_angry_buyer(stage, angry, expected):
    shown = rules.heat(stage, angry)
    assert [r["key"] for r in shown] == expected
    assert all(r["zh"] and r["en"] for r in shown)


@pytest.mark.parametrize("anger, emotion, angry", [
    (0.0, None, False), (0.49, "negative", False), (0.5, None, True), (0.9, "angry", True), (0.1, "angry", True),
    (None, None, False),
])
def test_an_angry_buyer(anger, emotion, angry):
    assert rules.is_angry(anger, emotion) is angry


@pytest.mark.parametrize("current, target, ok", [
    ("remedy", "facts", True), ("done", "soothe", True), ("agreement", "remedy", True),
    ("facts", "facts", False), ("facts", "remedy", False), ("soothe", "soothe", False), ("remedy", "bogus", False),
])
def test_reopen_only_goes_back(current, target, ok):
    assert rules.may_reopen(current, target) is ok


def test_stages_in_order():
    walked, stage = [], "soothe"
    while stage:
        walked.append(stage)
        stage = rules.next_stage(stage)
    assert tuple(walked) == rules.STAGES
    assert rules.followup_due(NOW) == NOW + timedelta(days=3)


@pytest.mark.parametrize("flag, note, error", [
    ("wronged", "转了三个客服都没解决", None),
    ("malicious", "威胁不给补偿就差评并找小二", None),
    ("angry", "x", "wronged, venting or malicious"),
    ("venting", "   ", "evidence"),
    ("venting", "x" * (rules.NOTE_CHARS + 1), "too long"),
])
def test_buyer_flags_need_a_type_and_evidence(flag, note, error):
    if error is None:
        assert rules.check_flag(flag, note) == (flag, note)
        assert rules.FLAG_HINTS[flag][0]
    else:
        with pytest.raises(ValueError) as exc:
            rules.check_flag(flag, note)
        assert error in exc.value.args[0][1]
