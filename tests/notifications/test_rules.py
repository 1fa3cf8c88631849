"""Notification policy without a database: signatures a receiver can check, the retry schedule, who hears what,
the mails' words, and the checks on what admins type."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from kefu.core.errors import BadInput
from kefu.notifications import rules


def test_a_signature_is_hmac_sha256_over_timestamp_dot_body_and_verifies_only_unchanged_and_fresh():
    body = '{"event":"ticket.replied","text":"您好"}'
    header = rules.signature("whsec_test", 1_800_000_000, body)
    expected = hmac.new(b"whsec_test", f"1800000000.{body}".encode(), hashlib.sha256).hexdigest()
    assert header == f"t=1800000000,v1={expected}"
    assert rules.verify("whsec_test", header, body, now_ts=1_800_000_060)
    assert not rules.verify("whsec_other", header, body, now_ts=1_800_000_060)  # wrong secret
    assert not rules.verify("whsec_test", header, body.replace("您好", "你好"), now_ts=1_800_000_060)  # body changed
    assert not rules.verify("whsec_test", header, body, now_ts=1_800_000_000 + 301)  # replayed too late
    assert not rules.verify("whsec_test", "t=abc,v1=00", body, now_ts=1_800_000_000)


def test_retries_back_off_and_give_up_after_the_sixth_attempt():
    assert [rules.retry_delay(n) for n in range(1, 7)] == [30, 120, 480, 1800, 7200, None]
    assert rules.MAX_ATTEMPTS == 6


def test_who_hears_what():
    assert rules.bell_audience("sla_warning", 7, 7, {}) == ("agent", 7)
    assert rules.bell_audience("buyer_message", 7, 3, {"text": "x"}) == ("agent", 7)
    assert rules.bell_audience("sla_breached", 7, 7, {}) == ("supervisors", None)
    assert rules.bell_audience("quick_overdue", 7, 7, {}) == ("supervisors", None)
    assert rules.bell_audience("created", 7, 3, {}) == ("agent", 7)  # opened for them by a colleague
    assert rules.bell_audience("created", 7, 7, {}) is None  # their own ticket
    assert rules.bell_audience("assigned", 7, 3, {"after": 9, "agent_id": 3}) == ("agent", 9)
    assert rules.bell_audience("assigned", 9, 3, {"after": 9, "agent_id": 9}) is None  # took it themselves
    assert rules.bell_audience("replied", 7, 3, {}) is None and rules.bell_audience("sla_warning", None, 3, {}) is None


def test_bell_lines_and_mails_in_both_languages():
    zh, en = rules.bell_text("sla_warning", "T-7K3QX9", "少发一件", {"clock": "first_response"})
    assert zh == "T-7K3QX9「少发一件」的首次响应将在 2 个工作小时内到期"
    assert en == "T-7K3QX9 “少发一件”: first response due within 2 business hours"
    zh, _ = rules.bell_text("buyer_message", "T-7K3QX9", "x", {"text": "照片  已经\n发了"})
    assert zh == "买家在工单 T-7K3QX9 留言：照片 已经 发了"

    subject, text = rules.buyer_mail("replied", {"text": "已为您补发"}, "T-7K3QX9", "少发一件", "zh", "小店",
                                     "https://kefu.example/tickets/status")
    assert subject == "【小店】工单 T-7K3QX9 有新回复" and "已为您补发" in text and "tickets/status" in text
    subject, text = rules.buyer_mail("status", {"after": "resolved"}, "T-7K3QX9", "x", "en", "Shop", "u")
    assert subject == "[Shop] Ticket T-7K3QX9 is resolved" and "resolved" in text
    assert rules.buyer_mail("noted", {"text": "内部"}, "T-1", "x", "zh", "s", "u") is None  # never internal notes
    assert rules.buyer_mail("status", {"after": "waiting_buyer"}, "T-1", "x", "zh", "s", "u") is None


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "javascript:alert(1)", "example.com/hook", "http://",
                                 "https://user:pw@example.com/", "https://example.com/a b", "http://x:99999/",
                                 "https://example.com/" + "a" * 500, ""])
def test_webhook_urls_must_be_plain_http_or_https(url):
    with pytest.raises(BadInput) as err:
        rules.check_url(url)
    assert err.value.code == "bad_webhook_url" and err.value.zh and err.value.en


def test_secrets_and_addresses():
    made = rules.check_secret("")
    assert made.startswith("whsec_") and len(made) > 30 and made != rules.check_secret(None)
    assert rules.check_secret("s" * 16) == "s" * 16
    for bad in ("short", "秘密" * 10, "a b" * 10, "x" * 129):
        with pytest.raises(BadInput):
            rules.check_secret(bad)
    assert rules.check_emails(["boss@shop.cn", " BOSS@shop.cn ", "", "ops@shop.cn"]) == ["boss@shop.cn",
                                                                                       "ops@shop.cn"]
    for bad in ("boss", "a@b", "a@b.c\nBcc: x@y.z", "a b@c.de"):
        with pytest.raises(BadInput):
            rules.check_email(bad)
    assert rules.mask("whsec_abcdefghijklmnop") == "whsec_…mnop"
