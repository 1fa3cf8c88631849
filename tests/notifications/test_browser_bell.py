"""The bell and the admin's notification page in Debian's Chromium: a colleague hands me a ticket and my bell
counts it at once; opening it lists the line, clicking it marks it read and opens the ticket; the shop admin adds
a webhook and sees its secret once."""

from __future__ import annotations

import functools
import os

import pytest

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, team_server

PASSWORD = "bell-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
SHOTS = os.environ.get("KEFU_SCREENSHOTS")  # a folder: the pages are saved there as PNG (docs, review)

pytestmark = needs_chromium

FETCH = """([method, url, body]) => fetch(url, {method, headers: {'Content-Type': 'application/json',
  'X-CSRF-Token': decodeURIComponent(document.cookie.match(/kefu_csrf=([^;]+)/)[1])},
  body: body ? JSON.stringify(body) : undefined}).then((r) => r.json())"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "bell", PASSWORD,
                     ("me", "小周", "agent"), ("mate", "小李", "agent"), ("boss", "店长", "admin")) as server:
        yield server


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name))


def test_a_ticket_handed_to_me_rings_the_bell_and_the_admin_adds_a_webhook(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            me = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720}).new_page()
            me.on("pageerror", lambda e: errors.append(str(e)))
            log_in(me, server.base, server.me, "/tickets")
            badge = me.locator("#nav-bell-badge")
            expect(me.locator("#nav-bell")).to_be_visible()
            expect(badge).to_be_hidden()
            my_id = me.evaluate("fetch('/api/me').then((r) => r.json())")["agent"]["id"]

            mate = chromium.new_context(locale="zh-CN").new_page()
            log_in(mate, server.base, server.mate, "/tickets")
            made = mate.evaluate(FETCH, ["POST", "/api/tickets", {"kind": "售后", "title": "少发一件，要补发",
                                                                  "assignee_id": my_id}])
            number = made["ticket"]["number"]
            expect(badge).to_have_text("1")  # live, no reload
            expect(me.locator("#nav-bell")).to_have_attribute("title", "1 条未读通知")

            me.click("#nav-bell")
            line = me.locator(".bell-item.is-unread")
            expect(line).to_contain_text(f"工单 {number}「少发一件，要补发」已转给您")
            expect(me.locator(".bell-foot")).to_have_count(0)  # settings are the admin's
            shot(me, "bell.png")
            line.click()
            expect(badge).to_be_hidden()
            assert me.url.endswith(f"/tickets#{number}")
            me.click("#nav-bell")
            expect(me.locator(".bell-item")).to_have_count(1)
            expect(me.locator(".bell-item.is-unread")).to_have_count(0)

            boss = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
            boss.on("pageerror", lambda e: errors.append(str(e)))
            log_in(boss, server.base, server.boss, "/admin/notifications")
            expect(boss.locator("#nt-mail")).to_contain_text("未配置 SMTP")
            boss.fill("#nt-add input[name=url]", "http://127.0.0.1:9/kefu-hook")
            boss.click("#nt-add button[type=submit]")
            expect(boss.locator("#nt-secret code")).to_contain_text("whsec_")
            expect(boss.locator("#nt-hooks code")).to_have_text("http://127.0.0.1:9/kefu-hook")
            boss.fill("#nt-alerts textarea", "ops@shop.example\nboss@shop.example")
            boss.click("#nt-alerts button[type=submit]")
            expect(boss.locator(".toast--ok")).to_contain_text("已保存")
            boss.click("#nt-hooks button:has-text('发送测试')")
            expect(boss.locator("#nt-log tr").first).to_contain_text("ping", timeout=15000)
            shot(boss, "notifications-admin.png")
            boss.click("#nav-bell")
            expect(boss.locator(".bell-foot")).to_have_attribute("href", "/admin/notifications")
        finally:
            chromium.close()
    assert errors == []
