"""The privacy rules alone: what staff see of a buyer's details, and what the retention rule and an erasure
leave of a message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu.core.errors import BadInput
from kefu.privacy import rules


def test_a_chat_line_shows_staff_the_phone_ends_and_hides_id_numbers_mails_and_addresses():
    text = ("电话13812345678，身份证110101199003071234，邮箱 zhang.san@example.com，"
            "地址：浙江省杭州市西湖区文三路100号3单元502室")
    shown = rules.mask_text(text)
    assert "138****5678" in shown and "[身份证号]" in shown and "[邮箱]" in shown and "[地址]" in shown
    for secret in ("13812345678", "110101199003071234", "zhang.san", "文三路"):
        assert secret not in shown


def test_a_line_with_nothing_personal_is_the_same_object():
    m = {"id": 1, "text": "请问什么时候发货？", "analysis": {"entities": {"order_numbers": [{"text": "123"}]}}}
    assert rules.mask_message(m) is m
    ev = {"type": "message.created", "data": {"message": m}}
    assert rules.staff_event(ev) is ev


def test_a_masked_line_says_so_and_its_phone_entities_are_masked_too():
    m = {"id": 1, "text": "我的手机 13912345678",
         "analysis": {"entities": {"phones": [{"text": "13912345678", "start": 5, "end": 16}]}}}
    shown = rules.mask_message(m)
    assert shown["masked"] is True and shown["text"] == "我的手机 139****5678"
    assert shown["analysis"]["entities"]["phones"][0]["text"] == "139****5678"
    assert m["text"] == "我的手机 13912345678"  # the original is untouched (the event log keeps it)
    ev = rules.staff_event({"type": "message.created", "data": {"message": m, "conversation": {"id": 3}}})
    assert ev["data"]["message"]["text"] == "我的手机 139****5678" and ev["data"]["conversation"] == {"id": 3}


@pytest.mark.parametrize(("address", "shown"), [
    ("浙江省杭州市西湖区文三路100号3单元502室", "浙江省杭州市西湖区****"),
    ("上海市徐汇区漕溪北路 1 号", "上海市徐汇区****"),
    ("广西壮族自治区南宁市青秀区民族大道1号", "广西壮族自治区南宁市青秀区****"),
    ("文三路100号", "文三****"),
    ("", ""),
])
def test_an_order_address_keeps_its_region_only(address, shown):
    assert rules.mask_address(address) == shown


def test_names_phones_and_mails_keep_a_hint_only():
    assert rules.mask_name("张三") == "张*" and rules.mask_name("欧阳娜娜") == "欧***" and rules.mask_name("李") == "*"
    assert rules.mask_phone("13812345678") == "138****5678" and rules.mask_phone(None) is None
    assert rules.mask_email("zhang@example.com") == "z***@example.com"


def test_retention_days_and_mode_are_checked():
    assert rules.check_retention(180, "anonymise") == (180, "anonymise")
    assert rules.check_retention(None, "delete") == (None, "delete")
    assert rules.check_retention(0, "delete") == (None, "delete")
    for days in (3, 5000, True, "30"):
        with pytest.raises(BadInput):
            rules.check_retention(days, "delete")
    with pytest.raises(BadInput):
        rules.check_retention(30, "shred")


def test_the_nightly_pass_runs_at_three_in_the_morning_china_time():
    assert rules.next_run(datetime(2026, 12, 7, 10, 0, tzinfo=UTC)) == datetime(2026, 12, 7, 19, 0, tzinfo=UTC)
    assert rules.next_run(datetime(2026, 12, 7, 19, 0, tzinfo=UTC)) == datetime(2026, 12, 8, 19, 0, tzinfo=UTC)


def test_anonymising_masks_the_words_and_deleting_takes_them_keeping_intent_and_mood():
    analysis = {"intent": "logistics", "emotion": {"label": "angry", "anger": 0.8},
                "entities": {"phones": [{"text": "13812345678"}]}}
    assert rules.redacted_text("打13812345678", "anonymise") == "打138****5678"
    assert rules.redacted_text("打13812345678", "delete") == ""
    kept = rules.redacted_analysis(analysis, "delete")
    assert kept == {"intent": "logistics", "emotion": {"label": "angry", "anger": 0.8}, "redacted": "deleted"}
    data = {"message": {"text": "打13812345678", "attachment": {"id": "k"}, "analysis": analysis},
            "conversation": {"last_preview": "打13812345678", "customer": {"display_name": "王女士", "phone": "1"}}}
    gone = rules.redacted_event(data, "delete")
    assert gone["message"]["text"] == "" and "attachment" not in gone["message"]
    assert gone["conversation"]["last_preview"] == "" and gone["conversation"]["customer"]["display_name"] != "王女士"
    masked = rules.redacted_event(data, "anonymise")
    assert masked["message"]["text"] == "打138****5678"
    assert masked["conversation"]["customer"]["display_name"] == "王女士"
