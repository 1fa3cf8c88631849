"""Order numbers in the shapes the marketplaces print them, and small talk (table-driven)."""

from __future__ import annotations

import pytest

from kefu.nlu import rules, service


def texts(spans):
    return [s["text"] for s in spans]


# (buyer line, order numbers, tracking numbers, phones)
ORDER_CASES = [
    ("123456789012", ["123456789012"], [], []),  # JD, bare, 12 digits
    ("123456789012这个是我的订单号", ["123456789012"], [], []),
    ("123456789012 这个是我的订单号，怎么还没发货", ["123456789012"], [], []),
    ("9876543210 是订单号", ["9876543210"], [], []),  # JD, 10 digits, named after
    ("订单号是2501011234567890123", ["2501011234567890123"], [], []),  # Taobao/Tmall 19
    ("淘宝单 250101123456789012 还没到", ["250101123456789012"], [], []),  # 18
    ("拼多多的 230101-123456789012345", ["230101-123456789012345"], [], []),
    ("4936278193648291837 抖音下的单", ["4936278193648291837"], [], []),  # Douyin 19
    ("订单号码：3012345678", ["3012345678"], [], []),
    ("单号 287612345678", ["287612345678"], [], []),
    ("我的快递还没到，123456789012", ["123456789012"], [], []),
    ("订单 123456789012 发了吗 运单号 YT9876543210123", ["123456789012"], ["YT9876543210123"], []),
    # never an order: phones, amounts, dates, hotlines, cards, tracking numbers
    ("13812345678", [], [], ["13812345678"]),
    ("订单号 13812345678", [], [], ["13812345678"]),
    ("退我1234567890元", [], [], []),
    ("1234567890.50", [], [], []),
    ("20230101 下的单", [], [], []),
    ("12345678901234", [], [], []),  # 14 digits: a timestamp, no marketplace prints orders so
    ("4001234567", [], [], []),
    ("卡号6222021234567890123", [], [], []),
    ("快递 773012345678", [], ["773012345678"], []),  # ZTO/STO bare 7x…
    ("773012345678 到哪了", [], ["773012345678"], []),
    ("SF1234567890123 是我的订单号", [], ["SF1234567890123"], []),
    ("SF1234567890这个订单怎么还没到", [], ["SF1234567890"], []),
    ("JDVA12345678901 到哪了", [], ["JDVA12345678901"], []),
    ("4312345678901 这是我的快递单号", [], ["4312345678901"], []),
]


@pytest.mark.parametrize(("text", "orders", "tracking", "phones"), ORDER_CASES)
def test_order_numbers_in_marketplace_shapes(text, orders, tracking, phones):
    e = rules.extract_entities(text)
    assert (texts(e["order_numbers"]), texts(e["tracking_numbers"]), texts(e["phones"])) == (orders, tracking,
                                                                                           phones)
    for span in e["order_numbers"]:
        assert text[span["start"]:span["end"]] == span["text"]


SMALL_TALK = [
    ("你好", "greeting"), ("您好！", "greeting"), ("在吗？", "greeting"), ("亲，在吗", "greeting"),
    ("你好在吗", "greeting"), ("客服你好", "greeting"), ("Hello!", "greeting"), ("hi there", "greeting"),
    ("谢谢", "thanks"), ("谢谢亲~", "thanks"), ("Thank you!", "thanks"), ("辛苦了", "thanks"),
    ("好的", "ack"), ("嗯嗯好的", "ack"), ("没有了谢谢", "ack"), ("好的，谢谢", "ack"), ("不用了谢谢", "ack"),
    ("ok thanks", "ack"), ("拜拜", "ack"), ("???", "ack"), ("😊", "ack"), ("[微笑]", "ack"),
]
NOT_SMALL_TALK = ["你好，我的快递到哪了", "为何发票开的是300元?", "转人工", "人工", "没有收到货", "可以退款吗",
                  "好的 123456789012", "[订单x]", "thanksgiving sale?", "Hi, where is my parcel?", "谢谢，发票怎么开",
                  "在吗 快递三天了还没到 气死了"]


@pytest.mark.parametrize(("text", "kind"), SMALL_TALK)
def test_small_talk(text, kind):
    assert rules.small_talk(text) == kind and rules.is_small_talk(text)


@pytest.mark.parametrize("text", NOT_SMALL_TALK)
def test_requests_are_not_small_talk(text):
    assert rules.small_talk(text) is None


def test_substantive_keeps_requests_in_order():
    lines = ["你好", "快递三天没动了", "在吗", "谢谢", "怎么还没到", ""]
    assert rules.substantive(lines) == ["快递三天没动了", "怎么还没到"]


def test_analysis_says_small_talk():
    assert service.analyze("你好").small_talk == "greeting"
    assert service.analyze("没有了谢谢").to_dict()["small_talk"] == "ack"
    assert service.analyze("我的快递到哪了").small_talk is None
