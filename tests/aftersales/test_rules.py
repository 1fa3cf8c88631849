"""The after-sale policy's decisions, table-driven: kinds × reasons × windows, money in fen, validation errors."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from kefu.aftersales.rules import (
    DEFAULT_POLICY,
    KINDS,
    REASONS,
    Policy,
    check_policy,
    explain,
    parse_case,
    policy_from,
    policy_to_dict,
)

DELIVERED = datetime.fromisoformat("2024-06-01T10:00:00+08:00")
KEYS = {"allowed", "rule", "reason_text", "return_shipping_payer", "buyer_pays", "shop_pays", "refund", "reship_now"}


def case(kind="return", reason="no_reason", day=3, *, paid=199, ship=10, rs=12, category="连衣裙", promo=None,
         delivered=True, hour=20):
    """A raw case: delivered on 1 June at 10:00 (Beijing), asked on day `day` at `hour` o'clock."""
    at = DELIVERED.replace(hour=hour) + timedelta(days=day)
    return {"kind": kind, "reason": reason, "return_shipping": rs, "at": at.isoformat(),
            "order": {"paid": paid, "shipping_paid": ship, "category": category, "promo_price": promo,
                      "delivered_at": DELIVERED.isoformat() if delivered else None}}


# (case kwargs, expected: allowed, rule, payer, buyer_pays, shop_pays, refund, reship_now, words in the text)
TABLE = [
    # no-reason return: day 7 inside, day 8 outside (calendar days in Beijing, late evening included)
    (dict(day=7, hour=23), (True, "no_reason_window", "buyer", 12, 0, 199, False, ["7 天", "12.00 元", "199.00 元"])),
    (dict(day=8, hour=0), (False, "no_reason_window", "none", 0, 0, 0, False, ["签收已 8 天", "超过 7 天"])),
    (dict(day=0, reason="changed_mind"), (True, "no_reason_window", "buyer", 12, 0, 199, False, ["今天刚签收"])),
    (dict(day=7, reason="wrong_size", kind="exchange"), (True, "exchange_split", "split", 6, 6, 0, False, ["一半"])),
    (dict(day=8, reason="wrong_size", kind="exchange"), (False, "no_reason_window", "none", 0, 0, 0, False, ["8 天"])),
    # exchange split of an odd amount: the odd fen goes to the shop
    (dict(kind="exchange", rs=13.01), (True, "exchange_split", "split", 6.50, 6.51, 0, False,
                                       ["13.01 元", "6.50 元", "6.51 元"])),
    # excluded categories: equal to or containing an excluded name
    (dict(category="生鲜"), (False, "excluded_category", "none", 0, 0, 0, False, ["生鲜", "7 天", "第二十五条"])),
    (dict(category="定制商品/刻字钢笔", kind="exchange"), (False, "excluded_category", "none", 0, 0, 0, False, [])),
    (dict(category="报纸期刊", reason="defect"), (True, "seller_fault", "shop", 0, 12, 209, False, ["209.00 元"])),
    # after delivery a buyer-side refund needs the item back; reship needs a fault
    (dict(kind="refund_only", reason="changed_mind"), (False, "return_required", "none", 0, 0, 0, False, ["7 天"])),
    (dict(kind="reship", reason="wrong_size"), (False, "reship_needs_fault", "none", 0, 0, 0, False, ["7 天"])),
    # seller faults: the shop pays all shipping, refunds the original shipping, reships at once
    (dict(day=15, reason="wrong_item"), (True, "seller_fault", "shop", 0, 12, 209, False, ["15 天", "10.00 元"])),
    (dict(day=16, reason="wrong_item"), (False, "fault_window", "none", 0, 0, 0, False, ["16 天", "15 天"])),
    (dict(kind="exchange", reason="defect", rs=13.01), (True, "seller_fault", "shop", 0, 13.01, 0, True, [])),
    (dict(kind="reship", reason="wrong_item"), (True, "seller_fault", "none", 0, 0, 0, True, ["不用寄回"])),
    (dict(kind="refund_only", reason="system_error"), (True, "seller_fault", "none", 0, 0, 209, False, ["209.00"])),
    (dict(day=30, reason="defect"), (False, "fault_window", "none", 0, 0, 0, False, ["365 天", "维修"])),
    # damage in transit: the courier's fault, the shop advances and claims
    (dict(reason="damaged_in_transit"), (True, "courier_damage", "courier", 0, 12, 209, False, ["快递"])),
    (dict(kind="exchange", reason="damaged_in_transit"), (True, "courier_damage", "courier", 0, 12, 0, True, [])),
    (dict(kind="reship", reason="damaged_in_transit"), (True, "courier_damage", "none", 0, 0, 0, True, [])),
    # late delivery
    (dict(kind="refund_only", reason="late_delivery"), (True, "late_delivery", "none", 0, 0, 209, False, ["延迟"])),
    (dict(kind="return", reason="late_delivery"), (True, "late_delivery", "shop", 0, 12, 209, False, [])),
    (dict(kind="exchange", reason="late_delivery"), (False, "late_delivery", "none", 0, 0, 0, False, ["209.00"])),
    # repair: defects only, within a year
    (dict(kind="repair", reason="defect", day=365), (True, "repair_window", "shop", 0, 12, 0, False, ["365 天"])),
    (dict(kind="repair", reason="defect", day=366), (False, "repair_window", "none", 0, 0, 0, False, ["366 天"])),
    (dict(kind="repair", reason="wrong_size"), (False, "repair_defect_only", "none", 0, 0, 0, False, ["7 天"])),
    # price difference: paid − promo inside the protection window or before delivery
    (dict(kind="price_difference", promo=179.5, day=7), (True, "price_protect", "none", 0, 0, 19.5, False,
                                                         ["19.50 元", "179.50 元", "7 天"])),
    (dict(kind="price_difference", promo=179.5, day=8), (False, "price_protect", "none", 0, 0, 0, False, ["8 天"])),
    (dict(kind="price_difference", promo=179.5, delivered=False), (True, "price_protect", "none", 0, 0, 19.5, False,
                                                                   ["还没有签收"])),
    (dict(kind="price_difference", promo=None), (False, "no_price_drop", "none", 0, 0, 0, False, [])),
    (dict(kind="price_difference", promo=199), (False, "no_price_drop", "none", 0, 0, 0, False, ["199.00 元"])),
    # before delivery: refund only, everything back
    (dict(kind="refund_only", delivered=False), (True, "before_delivery", "none", 0, 0, 209, False, ["209.00 元"])),
    (dict(kind="refund_only", reason="defect", delivered=False, paid=0.1, ship=0.2),
     (True, "before_delivery", "none", 0, 0, 0.3, False, ["0.30 元"])),
    (dict(kind="return", delivered=False), (False, "not_delivered", "none", 0, 0, 0, False, ["仅退款"])),
    (dict(kind="reship", reason="wrong_item", delivered=False), (False, "not_delivered", "none", 0, 0, 0, False, [])),
]


@pytest.mark.parametrize(("kwargs", "expected"), TABLE, ids=lambda v: str(v)[:60] if isinstance(v, dict) else "")
def test_decision_table(kwargs, expected):
    allowed, rule, payer, buyer, shop, refund, reship, words = expected
    out = explain(case(**kwargs))
    assert set(out) == KEYS
    assert (out["allowed"], out["rule"], out["return_shipping_payer"]) == (allowed, rule, payer)
    assert (out["buyer_pays"], out["shop_pays"], out["refund"], out["reship_now"]) == (buyer, shop, refund, reship)
    for word in words:
        assert word in out["reason_text"]


@pytest.mark.parametrize(("kind", "reason", "day", "delivered"),
                         list(itertools.product(KINDS, REASONS, (0, 7, 8, 15, 16, 400), (True, False))))
def test_every_combination_keeps_the_money_straight(kind, reason, day, delivered):
    """Refund never above paid + shipping_paid; the two shares add up to the return parcel (or both are 0);
    amounts have at most 2 decimals; the text is one polite sentence."""
    out = explain(case(kind, reason, day, paid=99.99, ship=8.01, rs=13.01, promo=89.99, delivered=delivered))
    assert set(out) == KEYS
    assert 0 <= out["refund"] <= 108.00
    assert all(round(out[k], 2) == out[k] for k in ("buyer_pays", "shop_pays", "refund"))
    if out["return_shipping_payer"] == "none":
        assert out["buyer_pays"] == out["shop_pays"] == 0
    else:
        assert Decimal(str(out["buyer_pays"])) + Decimal(str(out["shop_pays"])) == Decimal("13.01")
    if not out["allowed"]:
        assert (out["refund"], out["reship_now"], out["return_shipping_payer"]) == (0, False, "none")
    text = out["reason_text"]
    assert text.endswith("。") and text.count("。") == 1 and len(text) < 120


def test_custom_policy_changes_the_answer():
    day10 = case(day=10)
    assert explain(day10)["allowed"] is False
    longer = policy_from({"no_reason_days": 15})
    assert explain(day10, longer)["allowed"] is True and "15 天" in explain(day10, longer)["reason_text"]
    free = policy_from({"return_payer": "shop", "exchange_payer": "buyer"})
    assert explain(case(), free)["return_shipping_payer"] == "shop"
    assert explain(case(kind="exchange"), free)["rule"] == "exchange_buyer"
    assert explain(case(category="生鲜"), policy_from({"excluded_categories": []}))["allowed"] is True
    # a fault after fault_days is still returnable while a longer no-reason window is open (at the buyer's cost)
    late_fault = explain(case(day=20, reason="defect"), policy_from({"no_reason_days": 30}))
    assert (late_fault["allowed"], late_fault["rule"], late_fault["return_shipping_payer"]) == (
        True, "no_reason_window", "buyer")
    assert "15 天" in late_fault["reason_text"] and "30 天" in late_fault["reason_text"]


def test_days_count_in_the_shops_time_zone():
    # delivered at 23:30 Beijing on 1 June, asked at 00:30 Beijing on 9 June: day 8, though under 7.1 × 24 h
    late = {**case(), "at": "2024-06-08T16:30:00+00:00"}
    late["order"] = {**late["order"], "delivered_at": "2024-06-01T15:30:00+00:00"}
    assert explain(late)["rule"] == "no_reason_window" and explain(late)["allowed"] is False
    assert explain(late, policy_from({"tz": "UTC"}))["allowed"] is True


def test_policy_round_trip_and_defaults():
    assert policy_from(None) is DEFAULT_POLICY
    assert policy_from({}) == DEFAULT_POLICY
    data = policy_to_dict(DEFAULT_POLICY)
    assert data["no_reason_days"] == 7 and data["fault_days"] == 15 and data["repair_days"] == 365
    assert data["excluded_categories"] == ["定制商品", "生鲜", "数字商品", "报纸期刊"]
    assert policy_from(data) == DEFAULT_POLICY
    cleaned = check_policy({"excluded_categories": [" 生鲜 ", "生鲜", "药品"]})
    assert cleaned == {"excluded_categories": ["生鲜", "药品"]}


def test_parse_case_is_exact_and_idempotent():
    parsed = parse_case(case(paid=0.1, ship=0.2, rs=13.01))
    assert parsed["order"]["paid"] + parsed["order"]["shipping_paid"] == Decimal("0.30")
    assert parse_case(parsed) == parsed
    assert explain(parsed) == explain(case(paid=0.1, ship=0.2, rs=13.01))
    minimal = {"kind": "refund_only", "reason": "late_delivery", "at": "2024-06-02T10:00:00Z",
               "order": {"paid": 50, "delivered_at": None}}
    assert explain(minimal)["refund"] == 50


@pytest.mark.parametrize(("data", "field"), [
    ({"no_reason_days": -1}, "no_reason_days"),
    ({"fault_days": "15"}, "fault_days"),
    ({"fault_days": True}, "fault_days"),
    ({"repair_days": 7.5}, "repair_days"),
    ({"price_protect_days": 4000}, "price_protect_days"),
    ({"refund_days": 7}, "refund_days"),
    ({"excluded_categories": "生鲜"}, "excluded_categories"),
    ({"excluded_categories": ["生鲜", ""]}, "excluded_categories[1]"),
    ({"excluded_categories": ["生鲜", 3]}, "excluded_categories[1]"),
    ({"return_payer": "courier"}, "return_payer"),
    ({"exchange_payer": None}, "exchange_payer"),
    ({"tz": "Mars/Olympus"}, "tz"),
])
def test_policy_errors_name_the_field(data, field):
    with pytest.raises(ValueError) as info:
        check_policy(data)
    zh, en = info.value.args[0]
    assert f"字段 {field}：" in zh and f"field {field}:" in en
    with pytest.raises(ValueError):
        policy_from(data)
    if field in {"no_reason_days", "fault_days", "return_payer"}:
        with pytest.raises(ValueError):
            Policy(**data)


def _with(path: str, value):
    data = case()
    target, key = (data["order"], path[6:]) if path.startswith("order.") else (data, path)
    if value is KeyError:
        del target[key]
    else:
        target[key] = value
    return data


@pytest.mark.parametrize(("path", "value", "field"), [
    ("kind", "swap", "kind"),
    ("kind", KeyError, "kind"),
    ("reason", "bored", "reason"),
    ("order", [], "order"),
    ("order.paid", -1, "order.paid"),
    ("order.paid", float("nan"), "order.paid"),
    ("order.paid", float("inf"), "order.paid"),
    ("order.paid", True, "order.paid"),
    ("order.paid", "199", "order.paid"),
    ("order.paid", KeyError, "order.paid"),
    ("order.shipping_paid", 1.005, "order.shipping_paid"),
    ("order.promo_price", -0.01, "order.promo_price"),
    ("order.category", 12, "order.category"),
    ("order.delivered_at", "2024-06-01T10:00:00", "order.delivered_at"),
    ("order.delivered_at", "yesterday", "order.delivered_at"),
    ("order.delivered_at", KeyError, "order.delivered_at"),
    ("order.coupon", 5, "order.coupon"),
    ("return_shipping", float("-inf"), "return_shipping"),
    ("at", "2024-06-05 12:00", "at"),
    ("at", 1717200000, "at"),
    ("at", "2024-06-01T09:00:00+08:00", "at"),  # before delivery
    ("note", "hi", "note"),
])
def test_case_errors_name_the_field(path, value, field):
    with pytest.raises(ValueError) as info:
        parse_case(_with(path, value))
    zh, en = info.value.args[0]
    assert f"字段 {field}：" in zh and f"field {field}:" in en
    with pytest.raises(ValueError):
        explain(_with(path, value))


def test_a_case_must_be_an_object():
    with pytest.raises(ValueError) as info:
        parse_case([case()])
    assert "JSON" in info.value.args[0][1]
