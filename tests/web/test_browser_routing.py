"""Routing in the browser (Debian's Chromium): a waiting buyer sees their live place in the queue until an
agent is online and serves them; an agent escalates and a senior sees the offer with its context and
accepts it. The server runs with automatic routing on, as in production."""

from __future__ import annotations

import functools
import re
import time
import uuid
from types import SimpleNamespace

import httpx
import pytest

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, kefu_each, needs_chromium, server_env, serving

PASSWORD = "routing-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server, two shops: one for the queue (nobody online at first), one for the escalation."""
    data = tmp_path_factory.mktemp("routing")
    env = server_env(data, "routing-test")
    tag = uuid.uuid4().hex[:6]
    names = SimpleNamespace(queue_shop=f"queue-{tag}", esc_shop=f"esc-{tag}", queue_agent=f"wang-{tag}",
                            busy_agent=f"zhou-{tag}", agent=f"li-{tag}", senior=f"chen-{tag}", boss=f"boss-{tag}")
    kefu_each(env, ("shop", "add", names.queue_shop, "小鹿优选旗舰店"), ("shop", "add", names.esc_shop, "小鹿家居"),
              ("agent", "add", names.queue_agent, "--shop", names.queue_shop, "--password", PASSWORD, "--name", "小王",
               "--group", "售后"),
              ("agent", "add", names.busy_agent, "--shop", names.queue_shop, "--password", PASSWORD, "--name", "小周",
               "--group", "售后", "--max-chats", "1"),
              ("agent", "add", names.boss, "--shop", names.queue_shop, "--password", PASSWORD, "--name", "王主管",
               "--role", "supervisor", "--group", "售后"),
              ("agent", "add", names.agent, "--shop", names.esc_shop, "--password", PASSWORD, "--name", "小李",
               "--group", "售后"),
              ("agent", "add", names.senior, "--shop", names.esc_shop, "--password", PASSWORD, "--name", "陈姐",
               "--role", "senior", "--group", "投诉"))
    with serving(env, data) as base:
        yield SimpleNamespace(base=base, **vars(names))




def watch(page, who: str, errors: list[str]) -> None:
    page.on("pageerror", lambda e: errors.append(f"{who}: {e}"))


def test_waiting_buyers_see_their_place_until_an_agent_serves_them(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with httpx.Client(base_url=server.base) as http:  # one 售后 agent online, and busy with their one seat
        assert http.post("/api/auth/login", json={"username": server.busy_agent, "password": PASSWORD}).is_success
        token = http.post(f"/api/widget/{server.queue_shop}/session", json={}).json()["token"]
        http.post("/api/widget/messages", headers={"X-Visitor-Token": token},
                  json={"text": "快递显示签收了但我没收到", "client_msg_id": "busy-1"})
        for _ in range(100):
            conv = http.get("/api/widget/conversation", headers={"X-Visitor-Token": token}).json()["conversation"]
            if conv["status"] == "assigned":
                break
            time.sleep(0.05)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The only agent online is busy: the first buyer is next in line, the second has one buyer ahead,
            # with a wait from that agent's one seat (nobody online at all would be said honestly instead).
            first = browser.new_context(locale="zh-CN").new_page()
            watch(first, "first", errors)
            first.goto(f"{server.base}/widget/{server.queue_shop}")
            first.locator("#wg-input").fill("我的快递到哪了")
            first.locator("#wg-input").press("Enter")
            expect(first.locator("#wg-queue")).to_be_visible()
            expect(first.locator("#wg-queue .wg-queue-pos")).to_have_text("第 1 位")
            expect(first.locator("#wg-queue")).to_contain_text("下一位就是您")

            second = browser.new_context(locale="zh-CN").new_page()
            watch(second, "second", errors)
            second.goto(f"{server.base}/widget/{server.queue_shop}")
            second.locator("#wg-input").fill("退货的话怎么寄回")
            second.locator("#wg-input").press("Enter")
            expect(second.locator("#wg-queue .wg-queue-pos")).to_have_text("第 2 位")
            expect(second.locator("#wg-queue .wg-queue-text")).to_have_text(
                re.compile(r"^您前面还有 1 位 · 预计约 4 分钟$"))
            expect(second.locator("#wg-sub")).to_have_text("正在为您安排客服，请稍候…")

            # A reload asks the server where the buyer stands (positions are not replayed).
            second.reload()
            expect(second.locator("#wg-queue .wg-queue-pos")).to_have_text("第 2 位")

            # The supervisor's queue says the same: the first is next up (it showed "—", as if unknown).
            boss = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
            watch(boss, "boss", errors)
            boss.goto(f"{server.base}/agent/login?next=/supervisor")
            boss.fill("input[name=username]", server.boss)
            boss.fill("input[name=password]", PASSWORD)
            boss.click("button[type=submit]")
            boss.wait_for_url(f"{server.base}/supervisor")
            expect(boss.locator("#sv-queue .q-eta")).to_have_text(["下一位接入", re.compile("^4分")])

            # An agent logs in and is online: the router serves both; the places disappear.
            agent = browser.new_context(locale="zh-CN").new_page()
            watch(agent, "agent", errors)
            log_in(agent, server.base, server.queue_agent)
            for buyer in (first, second):
                expect(buyer.locator("#wg-sub")).to_have_text("客服 小王 为您服务")
                expect(buyer.locator("#wg-queue")).to_be_hidden()
                expect(buyer.locator(".msg--system .msg-bubble").last).to_have_text("客服小王为您服务")
            expect(agent.locator(".conv-item")).to_have_count(2)
        finally:
            browser.close()
    assert errors == [], errors


def test_agent_escalates_and_a_senior_accepts_with_the_context(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with httpx.Client(base_url=server.base) as http:  # the buyer writes before anyone is online
        token = http.post(f"/api/widget/{server.esc_shop}/session", json={}).json()["token"]
        r = http.post("/api/widget/messages", headers={"X-Visitor-Token": token},
                      json={"text": "订单1234567890123退款三天了还没到账", "client_msg_id": "esc-1"})
        assert r.status_code in (200, 201), r.text
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            agent = browser.new_context(locale="zh-CN").new_page()
            watch(agent, "agent", errors)
            log_in(agent, server.base, server.agent)  # online: the router gives them the waiting buyer
            row = agent.locator(".conv-item", has_text="退款三天了")
            expect(row).to_be_visible()
            row.click()
            expect(agent.locator("#chat-head")).to_contain_text("我接待中")

            senior = browser.new_context(locale="zh-CN").new_page()
            watch(senior, "senior", errors)
            log_in(senior, server.base, server.senior)

            agent.locator("[data-handoff=escalate]").click()
            expect(agent.locator("#handoff-dialog")).to_be_visible()
            expect(agent.locator("#handoff-title")).to_contain_text("升级")
            agent.locator("#handoff-note").fill("买家要求三倍赔偿，超出我的权限")
            agent.locator("#handoff-submit").click()
            expect(agent.locator("#handoff-dialog")).to_be_hidden()
            # the context summary shows in the log as a card, for both agents
            expect(agent.locator("#chat-log .ctx-card")).to_contain_text("升级说明")

            offer = senior.locator(".offer")
            expect(offer).to_be_visible()
            expect(offer).to_contain_text("升级请求")
            expect(offer.locator(".offer-summary")).to_contain_text("1234567890123")
            expect(offer.locator(".offer-summary")).to_contain_text("买家要求三倍赔偿")
            expect(offer.locator(".offer-left")).to_have_text(re.compile(r"\d+秒 内接受"))
            offer.get_by_role("button", name="接受").click()
            expect(offer).to_have_count(0)
            expect(senior.locator("#chat-head")).to_contain_text("我接待中")
            expect(senior.locator("#chat-log .ctx-card li").last).to_contain_text("买家要求三倍赔偿")
            expect(agent.locator("#chat-head")).to_contain_text("陈姐 接待中")

            # the agent takes a protected break; the button shows the time left
            agent.locator("#break").click()
            expect(agent.locator("#break")).to_have_text(re.compile(r"小休中 · 还剩 (10:00|9:\d\d)"))
            expect(agent.locator("#presence")).to_have_value("break")
        finally:
            browser.close()
    assert errors == [], errors
