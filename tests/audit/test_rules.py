"""The audit log's pure rules: what a detail may hold, changes, the shop's days as a time range, search forms,
CSV cells."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kefu.audit import rules


@pytest.mark.parametrize(("detail", "stored"), [
    ({"password": "hunter2-long"}, {"password": "***"}),
    ({"token": "tok-123", "token_set": True}, {"token": "***", "token_set": True}),
    ({"token_set": [False, True], "tokens": ["a", ""]}, {"token_set": [False, True], "tokens": ["***", ""]}),
    ({"webhook_secret": "s3cret", "secret": ""}, {"webhook_secret": "***", "secret": ""}),
    ({"last4": "2231", "ok": False}, {"last4": "***", "ok": False}),
    ({"nested": {"api_key": 12345678, "Authorization": "Bearer x"}}, {"nested": {"api_key": "***",
                                                                                 "Authorization": "***"}}),
    ({"note": "买家电话 13812342231，请回电"}, {"note": "买家电话 138****2231，请回电"}),
    ({"phones": ["13912345678", "订单 20261207000000091"]}, {"phones": ["139****5678", "订单 20261207000000091"]}),
    ({"role": ["agent", "senior"]}, {"role": ["agent", "senior"]}),
    ({"n": 3, "x": None, "f": 1.5}, {"n": 3, "x": None, "f": 1.5}),
    ({"at": date(2026, 12, 7)}, {"at": "2026-12-07"}),
])
def test_a_detail_never_keeps_a_secret_or_a_full_phone(detail, stored):
    assert rules.scrub(detail) == stored


def test_a_detail_is_bounded():
    big = rules.scrub({"text": "长" * 5000, "items": list(range(500)), "keys": {str(i): i for i in range(500)}})
    assert len(big["text"]) == rules.MAX_TEXT + 1 and big["text"].endswith("…")
    assert len(big["items"]) == rules.MAX_ITEMS + 1 and big["items"][-1] == f"+{500 - rules.MAX_ITEMS}"
    assert len(big["keys"]) == rules.MAX_ITEMS + 1
    deep: dict = {}
    cur = deep
    for _ in range(20):
        cur["d"] = {}
        cur = cur["d"]
    assert "…" in str(rules.scrub(deep))


@pytest.mark.parametrize(("before", "after", "out"), [
    (None, {"a": 1}, {"a": [None, 1]}),
    ({"a": 1, "b": [1]}, {"a": 1, "b": [1, 2]}, {"b": [[1], [1, 2]]}),
    ({"a": 1}, {}, {"a": [1, None]}),
    ({"a": 1}, {"a": 1}, {}),
])
def test_changes_keep_only_what_differs(before, after, out):
    assert rules.changes(before, after) == out


@pytest.mark.parametrize(("since", "until", "start", "end"), [
    (date(2026, 12, 7), date(2026, 12, 7), datetime(2026, 12, 6, 16, tzinfo=UTC),
     datetime(2026, 12, 7, 16, tzinfo=UTC)),
    (date(2026, 12, 1), None, datetime(2026, 11, 30, 16, tzinfo=UTC), None),
    (None, date(2026, 12, 31), None, datetime(2026, 12, 31, 16, tzinfo=UTC)),
    (None, None, None, None),
])
def test_the_shops_days_become_a_range_in_utc(since, until, start, end):
    got = rules.day_range(since, until, "Asia/Shanghai")
    assert got == (start, end)
    assert all(x is None or x.tzinfo is UTC for x in got)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="start date"):
        rules.day_range(date(2026, 12, 8), date(2026, 12, 7), "Asia/Shanghai")


@pytest.mark.parametrize(("q", "forms"), [
    ("", []), ("  ", []), ("Agent:12", ["agent:12"]), ("退款", ["退款", "\\u9000\\u6b3e"]),
    ('a"b', ['a"b', 'a\\"b']),
])
def test_search_looks_for_the_text_and_its_json_form(q, forms):
    assert rules.search_forms(q) == forms


@pytest.mark.parametrize(("value", "text"), [
    ("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+86", "'+86"), ("-1", "'-1"), ("@x", "'@x"), ("普通", "普通"),
    (None, ""), ({"role": ["agent", "senior"]}, '{"role": ["agent", "senior"]}'), (3, "3"),
])
def test_csv_cells_are_never_formulas(value, text):
    assert rules.cell(value) == text


@pytest.mark.parametrize(("url", "site"), [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-secret", "https://qyapi.weixin.qq.com"),
    ("http://erp.example:8080/hook/TOKEN", "http://erp.example:8080"), ("", ""),
])
def test_a_webhook_is_logged_by_its_site_only(url, site):
    assert rules.site(url) == site


def test_csv_starts_with_a_byte_order_mark_for_excel():
    text = rules.csv_chunk([["a", "=1"]], ["时间", "操作"])
    assert text == "\ufeff时间,操作\r\na,'=1\r\n"
