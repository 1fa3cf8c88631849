"""The knowledge base in Debian's Chromium: the FAQ bot in the widget (answer, rating, clarifying chips,
转人工), "/" template insertion in the reply box, and XSS payloads in articles and templates staying inert
on the KB pages, in the workspace's knowledge search and in the widget's bot answer.

One server for the module (tests/web/browser.py); a trainer makes the articles and the
template through the API, so the buyer's bot has a knowledge base from the first message.
"""

from __future__ import annotations

import functools
import re
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import httpx
import pytest

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, add_team, needs_chromium, server_env, serving
from tests.web.test_browser_chat import PASSWORD

log_in = functools.partial(browser.log_in, password=PASSWORD)

PAYLOAD = "<img src=x onerror=alert(1)><script>alert(1)</script>"
XSS_TITLE = f"发票抬头怎么改{PAYLOAD}"
ARTICLES = [
    ("return", "退货", "退货运费谁出", ["退货要自己付邮费吗", "退回去的运费谁承担"],
     "<p>质量问题退货运费由<b>本店承担</b>；七天无理由退货的运费由买家承担，已购运费险可理赔。</p>"),
    ("logistics", "物流", "下单后多久发货", ["什么时候发货", "几天能发出"],
     "<p>16 点前付款当天发货，其余次日发出。</p>"),
    ("invoice", "发票", "可以开电子发票吗", ["能开发票吗", "怎么开票"],
     "<p>可以，确认收货后在订单详情页申请电子普通发票。</p>"),
    ("invoice", "发票", XSS_TITLE, ["发票抬头填错了"], f"<p>在订单详情页修改抬头。{PAYLOAD}</p>"),
]
TEMPLATE = {"scene": "apology", "title": f"致歉{PAYLOAD}", "shortcut": "qian",
            "body": f"{{买家称呼}}您好，非常抱歉，订单{{订单号}}给您添麻烦了，我是{{客服名}}。{PAYLOAD}"}

pytestmark = needs_chromium


@contextmanager
def api_client(base: str, username: str):
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        http.cookies.set("kefu_csrf", "c" * 40)
        http.headers["x-csrf-token"] = "c" * 40
        yield http


def post_articles(http, tags_for: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Create ARTICLES through the API (as a trainer); returns their ids by title."""
    ids = {}
    for intent, category, title, variants, answer in ARTICLES:
        r = http.post("/api/kb/articles", json={"title": title, "variants": variants, "answer": answer,
                                                "category": category, "intent": intent,
                                                "tags": (tags_for or {}).get(intent, [])})
        assert r.status_code == 201, r.text
        ids[title] = r.json()["article"]["id"]
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-kb")
    env = server_env(data, "browser-test", KEFU_ROUTING_AUTO="false")
    slug = f"kb-{uuid.uuid4().hex[:8]}"
    trainer, agent = f"zhao-{uuid.uuid4().hex[:6]}", f"wang-{uuid.uuid4().hex[:6]}"
    add_team(env, slug, "小鹿优选旗舰店", PASSWORD, (trainer, "赵老师", "trainer"), (agent, "小王", "agent"))
    with serving(env, data) as base:
        with api_client(base, trainer) as http:
            ids = post_articles(http)
            r = http.post("/api/kb/templates", json=TEMPLATE)
            assert r.status_code == 201, r.text
        yield SimpleNamespace(base=base, slug=slug, trainer=trainer, agent=agent, ids=ids)


class Watch:
    """Dialogs (alert) and page errors on every page of a test."""

    def __init__(self):
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    def page(self, context):
        page = context.new_page()
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    def check(self):
        assert self.dialogs == [], self.dialogs
        assert self.errors == [], self.errors




def no_payload_script(page_or_frame) -> None:
    count = page_or_frame.locator("script").evaluate_all(
        "els => els.filter(s => !s.src && (s.textContent || '').includes('alert')).length")
    assert count == 0
    assert page_or_frame.locator("img[onerror]").count() == 0


def test_widget_bot_answers_clarifies_rates_and_hands_off(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = watch.page(browser.new_context(locale="zh-CN"))
            page.goto(f"{server.base}/widget/{server.slug}")
            page.locator("#wg-input").fill("退货运费谁出")
            page.locator("#wg-input").press("Enter")
            bot = page.locator(".msg--bot")
            expect(bot.last.locator(".msg-who")).to_have_text("智能助手")
            expect(bot.last.locator(".msg-bubble")).to_contain_text("本店承担")
            answered = bot.nth(bot.count() - 1)  # pinned: more bot lines follow

            # A vague question gets a clarifying question whose options are chips; a chip sends its text.
            page.locator("#wg-input").fill("发票")
            page.locator("#wg-input").press("Enter")
            chips = page.locator(".msg--bot").last.locator(".bot-chip")
            if chips.count() == 0:
                expect(page.locator(".msg--bot").last.locator(".bot-chip").first).to_be_visible()
            first = chips.first.locator("span").last.inner_text()
            chips.first.click()
            expect(page.locator(".msg--buyer .msg-bubble").last).to_have_text(first)
            expect(page.locator(".msg--bot").last.locator(".msg-bubble")).not_to_contain_text("回复序号")

            # 转人工 is an action (a line from kefu, not words of the buyer's); the bot hands off.
            page.locator("#wg-human").click()
            expect(page.locator(".msg--system .msg-bubble").last).to_have_text("您已申请人工客服，请稍候")
            expect(page.locator(".msg--buyer .msg-bubble").last).to_have_text(first)
            expect(page.locator(".msg--bot").last.locator(".msg-bubble")).to_contain_text("人工客服")

            rate = answered.locator(".bot-rate")
            rate.locator("[data-helpful=true]").click()
            expect(rate.locator(".bot-rate-status")).to_have_text("感谢您的反馈")
            with api_client(server.base, server.trainer) as http:
                assert http.get("/api/kb/bot/stats").json()["rated"] >= 1
        finally:
            browser.close()
    watch.check()


def test_english_widget_gets_the_bot_in_english_and_the_agent_sees_the_tag(server):
    """The widget's language travels with the buyer's messages: the bot's own lines come back in English (the
    articles' titles as written), and the agent, in Chinese, sees a small 英文 tag on the conversation."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = watch.page(browser.new_context(locale="en-US"))
            page.goto(f"{server.base}/widget/{server.slug}?lang=en")
            page.locator("#wg-input").fill("发票")
            page.locator("#wg-input").press("Enter")
            bot = page.locator(".msg--bot")
            expect(bot.last.locator(".msg-who")).to_have_text("Assistant")
            expect(bot.last.locator(".msg-bubble")).to_contain_text("Which of these do you mean? Reply with its number")
            expect(bot.last.locator(".bot-chip").first).to_contain_text("发票")
            page.locator("#wg-human").click()  # "Talk to a person": an action, shown as a line in English
            line = page.locator(".msg--system .msg-bubble").last
            expect(line).to_have_text("You asked for a person. Please hold on.")
            expect(page.locator(".msg--buyer .msg-bubble")).to_have_text(["发票"])
            expect(bot.last.locator(".msg-bubble")).to_have_text(
                "Sure, connecting you to a person now. They can see this chat, so you won't need to repeat yourself.")

            agent = watch.page(browser.new_context(locale="zh-CN"))
            log_in(agent, server.base, server.agent)
            agent.locator("[data-tab=waiting]").click()
            row = agent.locator(".conv-item", has=agent.locator(".chip--lang"))  # the only English buyer
            expect(row.locator(".chip--lang")).to_have_text("英文")
            expect(row.locator(".ci-preview")).to_have_text("发票")
            row.click()
            expect(agent.locator("#chat-head .chip--lang")).to_have_text("英文")
        finally:
            browser.close()
    watch.check()


def test_slash_template_insertion_and_knowledge_search(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            buyer = watch.page(browser.new_context(locale="zh-CN"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            buyer.locator("#wg-input").fill("下单后多久发货呀")
            buyer.locator("#wg-input").press("Enter")
            expect(buyer.locator(".msg--buyer .msg-status")).to_have_text(["已送达"])

            agent = watch.page(browser.new_context(locale="zh-CN"))
            log_in(agent, server.base, server.agent)
            agent.locator("[data-tab=waiting]").click()
            agent.locator(".conv-item", has_text="下单后多久发货呀").click()
            expect(agent.locator("#chat-log .m--buyer .m-bubble").first).to_have_text("下单后多久发货呀")

            reply = agent.locator("#reply")
            reply.fill("")
            reply.press_sequentially("/qi")
            picker = agent.locator("#tpl-picker")
            expect(picker).to_be_visible()
            expect(picker.locator(".tpl-option")).to_have_count(1)
            expect(picker.locator(".tpl-option code")).to_have_text("/qian")
            reply.press("ArrowDown")  # wraps round to the only option
            reply.press("Enter")
            expect(picker).to_be_hidden()
            expect(reply).to_have_value(re.compile(r"^.+您好，非常抱歉，订单\{订单号\}给您添麻烦了，我是小王。"))
            expect(agent.locator("#tpl-missing")).to_contain_text("{订单号}")
            expect(agent.locator("#chat-log .m--agent")).to_have_count(0)  # Enter picked, it did not send

            # The knowledge tab: suggestions for the buyer's message, search as you type, insert an answer.
            agent.locator("[data-side=kb]").click()
            expect(agent.locator("#kbp-suggest .kbp-hit").first).to_contain_text("下单后多久发货")
            agent.locator("#kbp-q").fill("运费")
            hit = agent.locator("#kbp-results .kbp-hit").first
            expect(hit.locator("mark").first).to_have_text("运费")
            reply.fill("")
            hit.locator(".kbp-insert").click()
            expect(reply).to_have_value(re.compile("本店承担"))
            assert "<b>" not in reply.input_value()
        finally:
            browser.close()
    watch.check()


def test_xss_payloads_in_articles_and_templates_stay_inert(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The buyer asks the article whose title and answer carry the payload; the bot answers.
            buyer = watch.page(browser.new_context(locale="zh-CN"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            buyer.locator("#wg-input").fill("发票抬头填错了")
            buyer.locator("#wg-input").press("Enter")
            expect(buyer.locator(".msg--bot").last.locator(".msg-bubble")).to_contain_text("修改抬头")
            no_payload_script(buyer)

            trainer = watch.page(browser.new_context(locale="zh-CN"))
            log_in(trainer, server.base, server.trainer, "/kb")
            item = trainer.locator(".kb-item", has_text="发票抬头怎么改")
            item.click()
            expect(trainer.locator("#kb-title")).to_have_value(re.compile("发票抬头怎么改"))
            expect(trainer.locator("#kb-answer")).to_contain_text("修改抬头")
            assert trainer.locator("#kb-answer img, #kb-answer script").count() == 0
            trainer.locator("#kb-q").fill("发票抬头")
            expect(trainer.locator(".kb-item mark").first).to_be_visible()
            no_payload_script(trainer)

            trainer.goto(f"{server.base}/kb/templates")
            expect(trainer.locator(".kb-item", has_text="/qian")).to_contain_text("致歉")
            trainer.locator(".kb-item", has_text="/qian").click()
            expect(trainer.locator("#tpl-body")).to_have_value(re.compile("非常抱歉"))
            no_payload_script(trainer)

            trainer.goto(f"{server.base}/agent")
            trainer.locator("[data-side=kb]").click()
            trainer.locator("#kbp-q").fill("发票抬头")
            expect(trainer.locator("#kbp-results .kbp-hit").first).to_contain_text("发票抬头怎么改")
            no_payload_script(trainer)
            buyer.wait_for_timeout(300)  # give any onerror a moment to fire
        finally:
            browser.close()
    watch.check()
