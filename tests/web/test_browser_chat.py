"""End to end in Debian's Chromium: a buyer and an agent chat live through the real server.

The server runs in a subprocess (`python -m kefu serve`) on its own port; the shop and the agent are
made with the CLI. With KEFU_DATABASE_URL=postgres… the database is shared with the other tests,
which is fine: this test makes its own shop.
"""

from __future__ import annotations

import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import httpx
import pytest

from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, kefu_each, needs_chromium, server_env, serving

PASSWORD = "browser-pass-2026"
FIRST = "你好，我的快递三天没动了"
REPLY = "您好，我马上帮您查一下物流"
XSS = "<img src=x onerror=alert(1)>"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser")
    env = server_env(data, "browser-test")
    slug = f"deer-{uuid.uuid4().hex[:8]}"
    username = f"xiaowang-{uuid.uuid4().hex[:6]}"
    kefu_each(env, ("shop", "add", slug, "小鹿优选旗舰店"),
              ("agent", "add", username, "--shop", slug, "--password", PASSWORD, "--name", "小王"))
    with serving(env, data) as base:
        yield SimpleNamespace(base=base, slug=slug, username=username)


def test_buyer_and_agent_chat_live_and_history_survives_reload(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    dialogs: list[str] = []
    errors: list[str] = []

    def watch(page, who):
        page.on("dialog", lambda d: (dialogs.append(f"{who}: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(f"{who}: {e}"))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The buyer opens the shop page and the widget, and asks.
            buyer = browser.new_context(locale="zh-CN").new_page()
            watch(buyer, "buyer")
            buyer.goto(f"{server.base}/shop/{server.slug}")
            buyer.locator("#kefu-widget .launcher").click()
            chat = buyer.frame_locator("#kefu-widget iframe")
            chat.locator("#wg-input").fill(FIRST)
            chat.locator("#wg-input").press("Enter")
            expect(chat.locator(".msg--buyer .msg-bubble")).to_have_text([FIRST])
            expect(chat.locator(".msg--buyer .msg-status")).to_have_text(["已送达"])
            expect(chat.locator("#wg-sub")).to_have_text("正在为您安排客服，请稍候…")
            expect(chat.locator("#wg-human")).to_be_visible()  # nobody serves the buyer yet: 转人工 is offered

            # The agent logs in elsewhere; the router assigns the waiting buyer to them as soon as they are
            # online, so it is in 我的 (the default tab); they open it and reply.
            agent = browser.new_context(locale="zh-CN").new_page()
            watch(agent, "agent")
            agent.goto(f"{server.base}/agent")
            agent.fill("input[name=username]", server.username)
            agent.fill("input[name=password]", PASSWORD)
            agent.click("button[type=submit]")
            agent.wait_for_url(f"{server.base}/agent")
            row = agent.locator(".conv-item", has_text=FIRST)
            expect(row).to_be_visible()
            expect(agent.locator("[data-tab=mine]")).to_have_attribute("aria-selected", "true")
            expect(chat.locator("#wg-sub")).to_contain_text("小王")  # the buyer is told who serves them
            expect(chat.locator("#wg-human")).to_be_hidden()  # a person serves them: no 转人工 button
            expect(row.locator(".count-badge")).to_have_text("1")
            row.click()
            expect(agent.locator("#chat-log .m--buyer .m-bubble")).to_have_text([FIRST])
            # message understanding tags the buyer's message and the conversation with its intent
            expect(agent.locator("#chat-log .m--buyer .m-tags .chip--intent")).to_have_text(["物流查询"])
            expect(row.locator(".chip--intent")).to_have_text("物流查询")
            expect(chat.locator(".msg--buyer .msg-status")).to_have_text(["已读"])  # agent_read_seq reached it

            agent.locator("#reply").fill("稍等")
            expect(chat.locator("#wg-typing")).to_be_visible()
            agent.locator("#reply").fill(REPLY)
            agent.locator("#reply").press("Enter")

            # The buyer sees the reply live, and who is serving them.
            expect(chat.locator(".msg--agent .msg-bubble")).to_have_text([REPLY])
            expect(chat.locator("#wg-sub")).to_have_text("客服 小王 为您服务")
            expect(agent.locator("#chat-log .m--agent .m-receipt")).to_have_text(["已读"])

            # Markup in messages stays text on both sides, and nothing runs.
            chat.locator("#wg-input").fill(XSS)
            chat.locator("#wg-input").press("Enter")
            expect(chat.locator(".msg--buyer .msg-bubble").last).to_have_text(XSS)
            expect(agent.locator("#chat-log .m--buyer .m-bubble").last).to_have_text(XSS)
            expect(agent.locator(".conv-item.is-active .ci-preview")).to_have_text(XSS)
            agent.locator("#reply").fill(XSS)
            agent.locator("#reply").press("Enter")
            expect(chat.locator(".msg--agent .msg-bubble").last).to_have_text(XSS)
            assert chat.locator("#wg-log img").count() == 0
            assert agent.locator("#chat-log img, #conv-list img").count() == 0

            # Reloading either side shows the whole history.
            buyer.reload()
            buyer.locator("#kefu-widget .launcher").click()
            chat = buyer.frame_locator("#kefu-widget iframe")
            expect(chat.locator(".msg--buyer .msg-bubble")).to_have_text([FIRST, XSS])
            expect(chat.locator(".msg--agent .msg-bubble")).to_have_text([REPLY, XSS])
            agent.reload()
            expect(agent.locator("#chat-log .m-bubble")).to_have_text([FIRST, REPLY, XSS, XSS])
            expect(agent.locator("#chat-head")).to_contain_text("我接待中")

            # Small talk asks nothing: the buyer's thanks carries no intent chip (其他 was shown before).
            chat.locator("#wg-input").fill("好的谢谢")
            chat.locator("#wg-input").press("Enter")
            thanks = agent.locator("#chat-log .m--buyer").last
            expect(thanks.locator(".m-bubble")).to_have_text("好的谢谢")
            expect(thanks.locator(".chip--intent")).to_have_count(0)
            expect(agent.locator("#chat-log .m--buyer .chip--intent").first).to_have_text("物流查询")

            # The agent closes the chat: the buyer may ask for a person again (their next line opens a new chat).
            with agent.expect_event("dialog"):  # a parcel question without a ticket: open one? (declined)
                agent.locator("#chat-head button", has_text="结束会话").click()
            expect(chat.locator("#wg-notice")).to_be_visible()
            expect(chat.locator("#wg-human")).to_be_visible()
        finally:
            browser.close()
    # a parcel question closed without a ticket: the agent is asked whether to open one (declined here)
    assert dialogs == ["agent: 买家的售后问题还没有工单，要现在创建工单继续跟进吗？"], dialogs
    assert errors == [], errors


def test_widget_falls_back_to_http_and_catches_up_after_reconnect(server):
    """With the buyer's socket refused, a message still goes out (HTTP, same client_msg_id); a reply sent
    meanwhile arrives once the socket reconnects with last_event_id, and nothing shows twice."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    text = "在吗？我的网络不太好"
    socket_allowed = {"buyer": False}

    def route_buyer_socket(ws):
        if socket_allowed["buyer"]:
            ws.connect_to_server()
        else:
            ws.close()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN")
            context.route_web_socket(re.compile(r"/ws/buyer"), route_buyer_socket)
            page = context.new_page()
            page.goto(f"{server.base}/widget/{server.slug}")  # the widget page on its own, not embedded
            expect(page.locator("#wg-conn")).to_have_class(re.compile(r"is-offline"))
            page.locator("#wg-input").fill(text)
            page.locator("#wg-send").click()
            expect(page.locator(".msg--buyer .msg-status")).to_have_text(["已送达"])

            with httpx.Client(base_url=server.base) as http:  # the agent answers through the API
                login = http.post("/api/auth/login", json={"username": server.username, "password": PASSWORD})
                assert login.status_code == 200, login.text
                csrf = "c" * 40
                http.cookies.set("kefu_csrf", csrf)
                waiting = http.get("/api/conversations?status=open").json()["conversations"]  # routed or not
                conv = next(c for c in waiting if c["last_preview"] == text)
                r = http.post(f"/api/conversations/{conv['id']}/messages", json={"text": "网络恢复后能看到我"},
                              headers={"x-csrf-token": csrf})
                assert r.status_code == 201, r.text
                read = http.post(f"/api/conversations/{conv['id']}/read", json={"seq": 1},
                                 headers={"x-csrf-token": csrf})
                assert read.status_code == 200, read.text

            socket_allowed["buyer"] = True
            page.evaluate("window.dispatchEvent(new Event('online'))")  # skip the backoff wait
            expect(page.locator("#wg-conn")).to_have_class(re.compile(r"is-online"))
            expect(page.locator(".msg--agent .msg-bubble")).to_have_text(["网络恢复后能看到我"])
            expect(page.locator(".msg--buyer .msg-bubble")).to_have_text([text])
            expect(page.locator(".msg--buyer .msg-status")).to_have_text(["已读"])
        finally:
            browser.close()


def test_snippet_works_on_another_site(server):
    """The loader takes the kefu origin from its own src, so the snippet works on any shop's domain."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    shop_page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another shop</title></head>'
                 f'<body><h1>Another shop</h1><script src="{server.base}/static/widget.js" '
                 f'data-shop="{server.slug}" async></script></body></html>')
    class ShopSite(BaseHTTPRequestHandler):
        def do_GET(self):
            body = shop_page.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    # Another origin (same host, other port): Chromium only lets a page on a private address load
    # scripts from loopback, so the "other shop" is a real little server rather than a routed URL.
    site = ThreadingHTTPServer(("127.0.0.1", 0), ShopSite)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    other_site = f"http://127.0.0.1:{site.server_address[1]}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context().new_page()
            page.goto(f"{other_site}/item/42")
            launcher = page.locator("#kefu-widget .launcher")
            expect(launcher).to_have_text("Chat with us")  # the page's <html lang="en">
            launcher.click()
            frame = page.locator("#kefu-widget iframe")
            expect(frame).to_have_attribute("src", f"{server.base}/widget/{server.slug}?lang=en&embed=1")
            chat = page.frame_locator("#kefu-widget iframe")
            chat.locator("#wg-input").fill("Do you ship abroad?")
            chat.locator("#wg-input").press("Enter")
            expect(chat.locator(".msg--buyer .msg-status")).to_have_text(["Delivered"])
            chat.locator("#wg-close").click()  # the widget's own minimize button closes the panel
            expect(page.locator("#kefu-widget .panel")).not_to_have_class("panel is-open")
            expect(launcher).to_have_attribute("aria-expanded", "false")
        finally:
            browser.close()
            site.shutdown()
