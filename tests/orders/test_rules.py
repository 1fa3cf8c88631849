"""Order rules (kefu.orders.rules): what an order may hold, CSV rows with their errors named, the connector
settings the admin may save, phone masking, the identity rule's summary, the card and the 催付 wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.orders import rules
from kefu.privacy.rules import mask_phone

GOOD = {"number": "3861204755310928", "status": "shipped", "total_fen": 19900, "placed_at": "2026-12-01T10:00:00+08:00",
        "items": [{"name": "针织开衫 米白 M", "qty": 1, "price_fen": 19900, "category": "clothing"}],
        "buyer_phone": "13812342231", "logistics_status": "in_transit"}


def test_a_good_order_is_normalised():
    o = rules.check_order(GOOD)
    assert o["placed_at"] == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert o["category"] == "clothing" and o["shipping_fen"] == 0 and o["buyer_ref"] is None
    naive = rules.check_order({**GOOD, "placed_at": "2026-12-01 10:00"})  # a shop writes Beijing time
    assert naive["placed_at"] == o["placed_at"]


@pytest.mark.parametrize(("change", "field"), [
    ({"number": "12"}, "number"),
    ({"number": "12 34 56"}, "number"),
    ({"status": "lost"}, "status"),
    ({"logistics_status": "teleported"}, "logistics_status"),
    ({"total_fen": -1}, "total_fen"),
    ({"total_fen": 1.5}, "total_fen"),
    ({"total_fen": True}, "total_fen"),
    ({"total_fen": rules.MAX_FEN + 1}, "total_fen"),
    ({"total_fen": None}, "total_fen"),
    ({"shipping_fen": -800}, "shipping_fen"),
    ({"placed_at": None}, "placed_at"),
    ({"placed_at": "yesterday"}, "placed_at"),
    ({"items": [{"qty": 1}]}, "items[0]"),
    ({"items": [{"name": "袜子", "qty": 0}]}, "items[0].qty"),
    ({"items": "袜子"}, "items"),
    ({"address": "北" * 501}, "address"),
    ({"buyer_name": ["x"]}, "buyer_name"),
])
def test_a_bad_field_is_named(change, field):
    with pytest.raises(rules.OrderError) as e:
        rules.check_order({**GOOD, **change})
    assert e.value.field == field and e.value.zh and e.value.en


def test_csv_rows_in_yuan_with_items_and_every_bad_row_named():
    text = ("number,buyer_ref,buyer_name,buyer_phone,status,items,total,shipping,placed_at\n"
            "2026120100000001,v1,小鱼,13812342231,paid,针织开衫×1×199.00; 袜子×2×9.90,218.80,8,2026-12-01 10:00\n"
            "2026120100000002,v2,阿May,,unpaid,碎花裙×1×129,129,,2026-12-02T09:00:00+08:00\n"
            "2026120100000003,v3,王先生,,sent,拖鞋×1×39,39,,2026-12-02 09:00\n"
            "2026120100000004,v4,王先生,,paid,拖鞋×1×39,abc,,2026-12-02 09:00\n"
            "2026120100000001,v1,小鱼,,paid,袜子×1×9.9,9.9,,2026-12-02 09:00\n")
    orders, errors = rules.parse_csv(text.encode("utf-8-sig"))
    assert [o["number"] for o in orders] == ["2026120100000001", "2026120100000002"]
    first = orders[0]
    assert first["total_fen"] == 21880 and first["shipping_fen"] == 800
    assert first["items"] == [{"sku": "", "name": "针织开衫", "qty": 1, "price_fen": 19900, "category": ""},
                              {"sku": "", "name": "袜子", "qty": 2, "price_fen": 990, "category": ""}]
    assert [(e["row"], e["field"]) for e in errors] == [(4, "status"), (5, "total"), (6, "number")]


@pytest.mark.parametrize(("data", "field"), [
    (b"number,status\n1234,paid\n", "header"),
    ("number,status,total,placed_at\n".encode("gbk") + "订单".encode("gbk"), "file"),
    (b"number,status,total,placed_at\n", "file"),
    (b"x" * (rules.CSV_MAX_BYTES + 1), "file"),
])
def test_a_file_that_cannot_be_read_at_all(data, field):
    with pytest.raises(rules.OrderError) as e:
        rules.parse_csv(data)
    assert e.value.field == field


@pytest.mark.parametrize(("body", "field"), [
    ({"mode": "ftp"}, "mode"),
    ({"mode": "http", "base_url": ""}, "base_url"),
    ({"mode": "http", "base_url": "ftp://erp.example.com"}, "base_url"),
    ({"mode": "http", "base_url": "javascript:alert(1)"}, "base_url"),
    ({"timeout": 0.5}, "timeout"),
    ({"timeout": 11}, "timeout"),
    ({"remind_delay_minutes": 4}, "remind_delay_minutes"),
    ({"remind_delay_minutes": 1441}, "remind_delay_minutes"),
    ({"token": "x" * 501}, "token"),
])
def test_settings_the_admin_may_not_save(body, field):
    with pytest.raises(rules.OrderError) as e:
        rules.check_settings(body, {})
    assert e.value.field == field


def test_settings_keep_the_token_unless_replaced_and_never_show_it():
    saved = rules.check_settings({"mode": "http", "base_url": "https://erp.example.com/api/", "token": "s3cret",
                                  "timeout": 2, "remind_delay_minutes": 60, "auto_remind": True}, {})
    assert saved["base_url"] == "https://erp.example.com/api" and saved["token"] == "s3cret"
    again = rules.check_settings({"timeout": 5}, saved)
    assert again["token"] == "s3cret" and again["timeout"] == 5.0
    assert rules.check_settings({"token": ""}, saved)["token"] == ""
    out = rules.settings_out(saved)
    assert "token" not in out and out["token_set"] is True


@pytest.mark.parametrize(("phone", "masked", "last4"), [
    ("13812341234", "138****1234", "1234"), ("+86 138-1234-5678", "861****5678", "5678"),
    ("138****2231", "138****2231", "2231"), (None, None, ""), ("12", "12", ""),
])
def test_phones_are_masked(phone, masked, last4):
    assert mask_phone(phone) == masked and rules.last4(phone) == last4


def test_unpaid_is_due_after_the_delay_only():
    at = datetime(2026, 12, 7, 12, tzinfo=UTC)
    assert rules.is_unpaid_due("unpaid", at - timedelta(minutes=30), 30, at)
    assert not rules.is_unpaid_due("unpaid", at - timedelta(minutes=29), 30, at)
    assert not rules.is_unpaid_due("paid", at - timedelta(days=1), 30, at)


def test_card_and_reminder_say_what_the_buyer_ordered():
    o = rules.check_order({**GOOD, "items": GOOD["items"] + [{"name": "袜子", "qty": 2, "price_fen": 990}]})
    card, text = rules.card(o)
    assert card == {"kind": "order", "number": GOOD["number"], "item": "针织开衫 米白 M", "count": 3,
                    "total_fen": 19900, "status": "shipped", "logistics_status": "in_transit", "carrier": "",
                    "tracking_number": ""}
    assert text == f"订单 {GOOD['number']}：针织开衫 米白 M 等3件，实付 ¥199.00"
    reminder = rules.remind_text(o)
    assert GOOD["number"] in reminder and "¥199.00" in reminder and "您" in reminder
    assert rules.summary(o) == {"number": GOOD["number"], "status": "shipped", "needs_verification": True}


def test_a_csv_the_csv_module_cannot_read_is_a_clear_error():
    """Found by the fuzzer: a bare carriage return inside a field was a 500."""
    with pytest.raises(rules.OrderError) as e:
        rules.parse_csv(b"number,status,total,placed_at\n\"A1\rB\",paid,1,2026-12-01T10:00:00+08:00\rx\"\n")
    assert e.value.field == "file" and "CSV" in e.value.zh and "CSV" in e.value.en
