"""The pure rules behind cases, table-driven: where a case may move from each status, the shop's reason list,
and a supervisor's override of a refusal."""

from __future__ import annotations

import pytest

from kefu.aftersales import rules

BACK = {"return_shipping_payer": "shop", "reship_now": False}
RESHIP_BACK = {"return_shipping_payer": "shop", "reship_now": True}
NOTHING_BACK = {"return_shipping_payer": "none", "reship_now": False}
RESHIP = {"return_shipping_payer": "none", "reship_now": True}


@pytest.mark.parametrize(("status", "kind", "outcome", "expected"), [
    ("open", "return", None, ("rejected", "closed")),
    ("confirmed", "return", BACK, ("awaiting_return", "rejected", "closed")),  # the item comes back first
    ("awaiting_return", "return", BACK, ("returned", "rejected", "closed")),
    ("returned", "return", BACK, ("refunded", "closed")),
    ("confirmed", "refund_only", NOTHING_BACK, ("refunded", "rejected", "closed")),  # nothing comes back
    ("confirmed", "price_difference", NOTHING_BACK, ("refunded", "rejected", "closed")),
    ("confirmed", "reship", RESHIP, ("reshipped", "rejected", "closed")),  # a wrong item: reship at once
    ("reshipped", "reship", RESHIP, ("closed",)),
    ("confirmed", "exchange", RESHIP_BACK, ("reshipped", "rejected", "closed")),  # new item first ...
    ("reshipped", "exchange", RESHIP_BACK, ("awaiting_return", "closed")),  # ... then the wrong one comes back
    ("returned", "exchange", RESHIP_BACK, ("closed",)),
    ("returned", "exchange", BACK, ("exchanged", "closed")),  # a buyer-side exchange: after the return
    ("returned", "repair", BACK, ("repaired", "closed")),
    ("rejected", "return", {"allowed": False, "return_shipping_payer": "none"}, ("closed",)),
    ("refunded", "return", BACK, ("closed",)),
    ("open", "complaint", None, ("rejected", "closed")),
    ("closed", "return", BACK, ()),
])
def test_where_a_case_may_move(status, kind, outcome, expected):
    assert rules.next_statuses(status, kind, outcome) == expected
    assert set(expected) <= set(rules.STATUSES)


def test_the_reason_list_defaults_to_every_code_and_a_shops_own_maps_onto_codes():
    assert [r["code"] for r in rules.reasons_from(None)] == list(rules.REASONS)
    assert rules.reasons_from([])[3] == {"code": "wrong_item", "label": "发错商品"}
    own = rules.reasons_from([{"code": "wrong_item", "label": " 发错颜色/尺码 "},
                              {"code": "defect", "label": "有瑕疵"}])
    assert own == [{"code": "wrong_item", "label": "发错颜色/尺码"}, {"code": "defect", "label": "有瑕疵"}]


@pytest.mark.parametrize(("data", "path"), [
    ("defect", "reasons"),
    ([{"code": "defect"}], "reasons[0].label"),
    ([{"code": "moon", "label": "月亮"}], "reasons[0].code"),
    ([{"code": "defect", "label": ""}], "reasons[0].label"),
    ([{"code": "defect", "label": "x" * 21}], "reasons[0].label"),
    ([{"code": "defect", "label": "坏"}, {"code": "defect", "label": "破"}], "reasons[1].code"),
    ([{"code": "defect", "label": "坏", "extra": 1}], "reasons[0].extra"),
    ([{"code": "defect", "label": "坏"}] * 21, "reasons"),
])
def test_a_bad_reason_list_names_the_item(data, path):
    with pytest.raises(ValueError) as err:
        rules.reasons_from(data)
    zh, en = err.value.args[0]
    assert path in zh and path in en


LATE = {"kind": "return", "reason": "changed_mind", "return_shipping": 12, "at": "2024-06-20T10:00:00+08:00",
        "order": {"paid": 259, "shipping_paid": 10, "delivered_at": "2024-06-01T15:20:00+08:00",
                  "category": "生鲜/水果"}}


@pytest.mark.parametrize(("change", "payer", "buyer", "refund", "reship"), [
    ({}, "buyer", 12.0, 259.0, False),  # late and excluded: the buyer-side numbers, as if in time
    ({"kind": "exchange"}, "split", 6.0, 0.0, False),
    ({"reason": "defect", "at": "2024-08-01T10:00:00+08:00"}, "shop", 0.0, 269.0, False),  # past fault_days
    ({"kind": "reship"}, "none", 0.0, 0.0, False),  # never allowed for a buyer-side reason: allowed, no numbers
])
def test_an_override_allows_the_case_with_the_numbers_it_would_have_had(change, payer, buyer, refund, reship):
    case = {**LATE, **change}
    assert rules.explain(case)["allowed"] is False
    out = rules.overridden(case, rules.DEFAULT_POLICY)
    assert (out["allowed"], out["rule"], out["return_shipping_payer"], out["buyer_pays"], out["refund"],
            out["reship_now"]) == (True, "override", payer, buyer, refund, reship)
    assert out["reason_text"].startswith("经主管特批") and "3650" not in out["reason_text"]


@pytest.mark.parametrize(("reason", "who"), [("no_reason", "buyer"), ("changed_mind", "buyer"), ("wrong_size", "buyer"),
                                             ("wrong_item", "seller"), ("defect", "seller"),
                                             ("system_error", "seller"), ("damaged_in_transit", "courier"),
                                             ("late_delivery", None)])
def test_the_reason_suggests_who_is_responsible(reason, who):
    from kefu.aftersales.rules import responsible_for

    assert responsible_for(reason) == who
