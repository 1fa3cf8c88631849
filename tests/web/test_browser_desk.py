"""The agent's desk and the buyer's 转人工 button in Debian's Chromium: an English buyer's "Talk to a person"
is an action shown in English; an agent with the tab hidden is alerted (chime, desktop notification, unread
count in the title) and can mute; quick replies are pinned in the workspace and land in the reply box."""

from __future__ import annotations

import functools
import re

import httpx
import pytest

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, team_server

PASSWORD = "desk-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
FIRST = "你好，我的快递三天没动了"
SECOND = "麻烦帮我查一下物流"
EN_LINE = "You asked for a person. Please hold on."

# Records desktop notifications and chimes instead of showing / playing them, and lets the test hide the tab.
STUBS = """
window.__notes = []; window.__chimes = 0; window.__hidden = false;
class FakeNotification {
  constructor(title, opts) { window.__notes.push({ title, body: (opts || {}).body || '' }); }
  close() {}
}
FakeNotification.permission = 'granted';
FakeNotification.requestPermission = () => Promise.resolve('granted');
window.Notification = FakeNotification;
Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => window.__hidden });
Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true,
  get: () => (window.__hidden ? 'hidden' : 'visible') });
const Real = window.AudioContext;
if (Real) {
  window.AudioContext = class extends Real {
    createOscillator() { window.__chimes += 1; return super.createOscillator(); }
  };
}
"""

pytestmark = needs_chromium


def _until(page, expression: str, seconds: float = 8.0) -> None:
    """page.wait_for_function evaluates its string with new Function, which the pages' CSP (no 'unsafe-eval')
    refuses; page.evaluate is not subject to it."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "desk", PASSWORD,
                     ("agent", "小王", "agent"), ("admin", "店长", "admin")) as server:
        with httpx.Client(base_url=server.base, timeout=30) as http:  # the admin writes a reply template
            login = {"username": server.admin, "password": PASSWORD}
            assert http.post("/api/auth/login", json=login).status_code == 200
            http.cookies.set("kefu_csrf", "c" * 40)
            r = http.post("/api/kb/templates", headers={"x-csrf-token": "c" * 40},
                          json={"scene": "logistics", "title": "发货时间", "shortcut": "fh",
                                "body": "您好，我是{客服名}，下单后 48 小时内发货"})
            assert r.status_code == 201, r.text
            # offline again, so that buyers go to the agent under test
            assert http.post("/api/auth/logout", headers={"x-csrf-token": "c" * 40}).status_code == 200
        yield server


def test_english_talk_to_a_person_is_an_action_in_english(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="en-US").new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{server.base}/widget/{server.slug}?lang=en")
            expect(page.locator("#wg-human")).to_have_text("Talk to a person")
            # the button does nothing until the widget has its session: wait until it is connected
            expect(page.locator("#wg-conn")).to_have_class(re.compile(r"is-online"))
            page.locator("#wg-human").click()
            expect(page.locator(".msg--system .msg-bubble")).to_have_text([EN_LINE])
            expect(page.locator(".msg--buyer")).to_have_count(0)  # no "转人工" put in the buyer's mouth
            page.reload()  # it is stored, not just drawn
            expect(page.locator(".msg--system .msg-bubble").first).to_have_text(EN_LINE)
            expect(page.locator(".msg-bubble", has_text="转人工")).to_have_count(0)
        finally:
            browser.close()
    assert errors == []




def set_hidden(page, hidden: bool) -> None:
    page.evaluate(f"window.__hidden = {'true' if hidden else 'false'};"
                  "document.dispatchEvent(new Event('visibilitychange'))")


def say(buyer, text: str) -> None:
    buyer.locator("#wg-input").fill(text)
    buyer.locator("#wg-input").press("Enter")


def test_hidden_tab_alerts_then_quick_replies_are_pinned_and_used(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(locale="zh-CN")
            ctx.add_init_script(STUBS)
            agent = ctx.new_page()
            agent.on("pageerror", lambda e: errors.append(f"agent: {e}"))
            log_in(agent, server.base, server.agent)
            expect(agent.locator("#notify-toggle")).to_have_text("提醒已开")
            agent.locator("[data-tab=mine]").click()  # a first gesture: sound may play from now on
            set_hidden(agent, True)

            buyer = browser.new_context(locale="zh-CN").new_page()
            buyer.on("pageerror", lambda e: errors.append(f"buyer: {e}"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            say(buyer, FIRST)
            expect(buyer.locator("#wg-sub")).to_contain_text("小王")  # routed to the agent
            _until(agent, "window.__notes.length >= 1")
            say(buyer, SECOND)
            _until(agent, "window.__notes.length >= 2")
            notes = agent.evaluate("window.__notes")
            assert notes[0]["title"].startswith("新买家：") and notes[1]["title"].endswith("发来新消息")
            assert notes[1]["body"] == SECOND
            assert agent.evaluate("window.__chimes") >= 2  # a two-note chime at least once
            expect(agent).to_have_title("(2) 客服工作台 · kefu 客服")

            set_hidden(agent, False)
            agent.locator(".conv-item", has_text=SECOND).click()
            expect(agent).to_have_title("客服工作台 · kefu 客服")  # read: no count left

            # Mute is remembered for this agent; a muted desk shows nothing new.
            agent.locator("#notify-toggle").click()
            expect(agent.locator("#notify-toggle")).to_have_text("已静音")
            agent.reload()
            expect(agent.locator("#notify-toggle")).to_have_text("已静音")
            agent.locator(".conv-item", has_text=SECOND).click()
            expect(agent.locator("#chat-log")).to_contain_text(SECOND)  # loaded (a late load would undo the count)
            set_hidden(agent, True)
            say(buyer, "还在吗")
            expect(agent).to_have_title("(1) 客服工作台 · kefu 客服")
            assert agent.evaluate("window.__notes.length") == 0
            set_hidden(agent, False)

            # Quick replies: the built-in four until the agent pins their own.
            quick = agent.locator("#quick .quick-btn:not(.quick-manage)")
            expect(quick).to_have_text(["问候", "要订单号", "稍等", "结束语"])
            agent.locator("#quick-manage").click()
            dialog = agent.locator("#qr-dialog")
            expect(dialog.locator("h2")).to_have_text("管理快捷回复")
            for _ in range(3):
                dialog.locator(".qr-unpin").last.click()
            dialog.locator(".qr-pick").select_option(label="/fh · 发货时间")
            dialog.get_by_role("button", name="固定", exact=True).click()
            dialog.locator(".qr-own-label").fill("查件")
            dialog.locator(".qr-own-text").fill("我这就帮您查一下物流")
            dialog.get_by_role("button", name="添加", exact=True).click()
            dialog.locator(".qr-item", has_text="查件").get_by_role("button", name="上移").click()
            dialog.get_by_role("button", name="保存").click()
            expect(dialog).to_be_hidden()
            expect(quick).to_have_text(["问候", "查件", "发货时间"])
            agent.reload()
            agent.locator(".conv-item", has_text="还在吗").click()
            expect(quick).to_have_text(["问候", "查件", "发货时间"])  # kept on the server
            quick.filter(has_text="查件").click()
            expect(agent.locator("#reply")).to_have_value("我这就帮您查一下物流")
            quick.filter(has_text="发货时间").click()  # a template, filled for this conversation
            expect(agent.locator("#reply")).to_have_value("我这就帮您查一下物流 您好，我是小王，下单后 48 小时内发货")
        finally:
            browser.close()
    assert errors == []
