"""Authority rules, table-driven: every role × kind around its limits, per-case and per-day counting, the
admin's limits validated with errors that name the field, amounts in yuan."""

from __future__ import annotations

import pytest

from kefu.agents.models import ROLES
from kefu.compensation import rules

D = rules.check_limits(rules.DEFAULT_LIMITS)
LIMITS = {"agent": (2_000, 10_000), "emotion_support": (2_000, 10_000), "senior": (5_000, 30_000),
          "supervisor": (20_000, 200_000), "trainer": (0, 0), "admin": (None, None)}
MINOR = ("coupon", "gift", "shipping_refund")


def test_defaults_cover_every_role_and_are_valid():
    assert set(D["roles"]) == set(ROLES)
    for role, (case, day) in LIMITS.items():
        assert (D["roles"][role]["per_case_fen"], D["roles"][role]["per_day_fen"]) == (case, day)
    assert D["roles"]["agent"]["kinds"] == list(MINOR)  # plain agents give no partial refunds
    assert D["roles"]["trainer"]["kinds"] == []
    assert D["roles"]["admin"]["kinds"] == list(rules.KINDS)


def _cases():
    for role, (case, _day) in LIMITS.items():
        for kind in rules.KINDS:
            allowed = kind in D["roles"][role]["kinds"]
            amounts = [1, 100_000_00] if case is None else [max(case - 1, 1), case, case + 1]
            for amount in amounts:
                if not allowed:
                    yield role, kind, amount, "kind_not_allowed"
                elif case is not None and amount > case:
                    yield role, kind, amount, "case_limit"
                else:
                    yield role, kind, amount, "within"


@pytest.mark.parametrize("role,kind,amount,rule", list(_cases()))
def test_every_role_and_kind_around_the_per_case_limit(role, kind, amount, rule):
    d = rules.decide(role, kind, amount, 0, 0, D)
    assert (d.ok, d.rule) == (rule == "within", rule)
    assert d.zh and d.en


@pytest.mark.parametrize("role,on_case,amount,rule,case_left", [
    ("agent", 0, 2_000, "within", 2_000),
    ("agent", 1_500, 500, "within", 500),  # what the case already got counts
    ("agent", 1_500, 501, "case_limit", 500),
    ("agent", 2_000, 1, "case_limit", 0),
    ("agent", 5_000, 100, "case_limit", 0),  # a supervisor gave more than an agent may: back to a supervisor
    ("senior", 3_000, 2_000, "within", 2_000),
    ("senior", 3_000, 2_001, "case_limit", 2_000),
    ("supervisor", 19_999, 1, "within", 1),
    ("admin", 10**9, 10**7, "within", None),
])
def test_per_case_counting(role, on_case, amount, rule, case_left):
    d = rules.decide(role, "coupon", amount, on_case, 0, D)
    assert (d.rule, d.case_left_fen) == (rule, case_left)


@pytest.mark.parametrize("role,today,amount,rule,day_left", [
    ("agent", 0, 2_000, "within", 10_000),
    ("agent", 8_000, 2_000, "within", 2_000),
    ("agent", 8_001, 2_000, "day_limit", 1_999),
    ("agent", 10_000, 1, "day_limit", 0),
    ("emotion_support", 9_000, 1_000, "within", 1_000),
    ("senior", 29_000, 1_001, "day_limit", 1_000),
    ("supervisor", 190_000, 10_000, "within", 10_000),
    ("supervisor", 190_001, 10_000, "day_limit", 9_999),
    ("admin", 10**9, 10**7, "within", None),
])
def test_per_day_counting(role, today, amount, rule, day_left):
    d = rules.decide(role, "gift", amount, 0, today, D)
    assert (d.rule, d.day_left_fen) == (rule, day_left)


def test_reasons_say_what_is_left_and_who_approves():
    d = rules.decide("agent", "coupon", 1_000, 1_500, 0, D)
    assert "本单还可给 ¥5" in d.zh and "主管" in d.zh and "¥5 left on this case" in d.en
    d = rules.decide("agent", "coupon", 500, 0, 9_800, D)
    assert "今日还可给 ¥2" in d.zh and "¥2 left today" in d.en
    d = rules.decide("supervisor", "coupon", 30_000, 0, 0, D)
    assert "店铺管理员" in d.zh and "shop admin" in d.en  # beyond a supervisor: only an admin
    d = rules.decide("agent", "partial_refund", 100, 0, 0, D)
    assert "部分退款" in d.zh and "partial refund" in d.en
    d = rules.decide("agent", "coupon", 1_250, 0, 0, D)
    assert d.ok and "¥20" in d.zh and "¥100" in d.zh
    assert rules.decide("admin", "coupon", 1, 0, 0, D).zh.count("不限") == 2


def test_an_unknown_role_has_no_authority():
    assert rules.decide("intern", "coupon", 1, 0, 0, D).rule == "kind_not_allowed"


@pytest.mark.parametrize("value,fen", [(20, 2000), ("20", 2000), ("12.5", 1250), ("0.01", 1), (100000, 10_000_000),
                                       ("  3.30 ", 330)])
def test_amounts_in_yuan(value, fen):
    assert rules.to_fen(value) == fen


@pytest.mark.parametrize("value,zh,en", [
    (0, "大于 0", "more than 0"), (-5, "大于 0", "more than 0"), ("abc", "金额", "amount in yuan"),
    ("1.234", "两位小数", "2 decimals"), (100000.01, "不能超过", "at most"), ("NaN", "金额", "amount in yuan"),
    ("Infinity", "金额", "amount in yuan"), ("", "金额", "amount in yuan"),
])
def test_bad_amounts(value, zh, en):
    with pytest.raises(ValueError) as e:
        rules.to_fen(value)
    got_zh, got_en = e.value.args[0]
    assert zh in got_zh and en in got_en and "amount" in got_en


def _with(role: str, **kw) -> dict:
    return {"roles": {role: {"per_case_fen": 1_000, "per_day_fen": 5_000, "kinds": ["coupon"], **kw}}}


@pytest.mark.parametrize("data,field,zh", [
    (_with("agent", per_case_fen=-1), "roles.agent.per_case_fen", "负数"),
    (_with("agent", per_day_fen=-100), "roles.agent.per_day_fen", "负数"),
    (_with("senior", per_day_fen=999), "roles.senior.per_day_fen", "不能小于"),
    (_with("senior", per_case_fen=None), "roles.senior.per_day_fen", "不能小于"),  # no per-case limit but a day one
    (_with("agent", per_case_fen=1.5), "roles.agent.per_case_fen", "整数"),
    (_with("agent", per_case_fen="10"), "roles.agent.per_case_fen", "整数"),
    (_with("agent", per_case_fen=True), "roles.agent.per_case_fen", "整数"),
    (_with("agent", per_day_fen=rules.MAX_LIMIT_FEN + 1), "roles.agent.per_day_fen", "不能超过"),
    (_with("agent", kinds=["cash"]), "roles.agent.kinds", "未知"),
    (_with("agent", kinds="coupon"), "roles.agent.kinds", "列表"),
    (_with("agent", extra=1), "roles.agent.extra", "未知"),
    ({"roles": {"boss": {}}}, "roles.boss", "未知角色"),
    ({"roles": {"agent": 5}}, "roles.agent", "对象"),
    ({"roles": []}, "roles", "对象"),
    ({"other": {}}, "limits", "roles"),
    ([], "limits", "roles"),
])
def test_bad_limits_name_the_field(data, field, zh):
    with pytest.raises(ValueError) as e:
        rules.check_limits(data)
    got_zh, got_en = e.value.args[0]
    assert field in got_zh and field in got_en and zh in got_zh


def test_good_limits_keep_defaults_for_roles_left_out():
    clean = rules.check_limits({"roles": {"agent": {"per_case_fen": 0, "per_day_fen": 0, "kinds": ["gift", "coupon"]},
                                          "admin": {"per_case_fen": None, "per_day_fen": None, "kinds": []}}})
    assert clean["roles"]["agent"] == {"per_case_fen": 0, "per_day_fen": 0, "kinds": ["coupon", "gift"]}
    assert clean["roles"]["admin"]["kinds"] == []
    assert clean["roles"]["senior"] == D["roles"]["senior"]
    assert rules.limits_from({"roles": {"agent": {"per_case_fen": -1}}}) == D  # a stored table gone bad: defaults
    assert rules.limits_from(None) == D


@pytest.mark.parametrize("paid,already,room", [(10_000, 0, 10_000), (10_000, 9_000, 1_000), (10_000, 12_000, 0)])
def test_refund_room(paid, already, room):
    assert rules.refund_room(paid, already) == room


@pytest.mark.parametrize("fen,text", [(2000, "20"), (1250, "12.50"), (1, "0.01"), (0, "0")])
def test_yuan_text(fen, text):
    assert rules.yuan(fen) == text
