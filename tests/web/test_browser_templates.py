"""A "/" reply template with fields, in Debian's Chromium: the fields the conversation knows are prefilled (the
order number the buyer typed, the buyer's name), Enter with a field still unfilled sends nothing and puts the
caret on it, and once it is filled the reply goes out. (A template like "订单 {订单号} 已发出，运单号 {快递单号}"
used to reach the buyer as written.) The knowledge tab's 推荐知识 then ignores the buyer's "好的谢谢"."""

from __future__ import annotations

import os
import re
import uuid
from types import SimpleNamespace

import pytest

from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, add_team, needs_chromium, server_env, serving
from tests.web.test_browser_chat import PASSWORD
from tests.web.test_browser_kb import Watch, api_client, log_in

pytestmark = needs_chromium
TEMPLATE = {"scene": "logistics", "title": "发货通知", "shortcut": "fh",
            "body": "{买家昵称}您好，订单 {订单号} 已发出，运单号 {快递单号}，请留意查收。"}
FIRST = "123456789012这个是我的订单号，什么时候发货"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-templates")
    env = server_env(data, "browser-test", KEFU_ROUTING_AUTO="false")
    slug = f"tpl-{uuid.uuid4().hex[:8]}"
    trainer, agent = f"zhao-{uuid.uuid4().hex[:6]}", f"wang-{uuid.uuid4().hex[:6]}"
    add_team(env, slug, "小鹿优选旗舰店", PASSWORD, (trainer, "赵老师", "trainer"), (agent, "小王", "agent"))
    with serving(env, data) as base:
        with api_client(base, trainer) as http:
            r = http.post("/api/kb/templates", json=TEMPLATE)
            assert r.status_code == 201, r.text
        yield SimpleNamespace(base=base, slug=slug, agent=agent, shots=data)


def selection(page) -> str:
    return page.locator("#reply").evaluate("r => r.value.slice(r.selectionStart, r.selectionEnd)")


def test_unfilled_template_fields_block_sending_until_filled(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            buyer = watch.page(browser.new_context(locale="zh-CN"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            buyer.locator("#wg-input").fill(FIRST)
            buyer.locator("#wg-input").press("Enter")
            expect(buyer.locator(".msg--buyer .msg-status")).to_have_text(["已送达"])

            agent = watch.page(browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}))
            log_in(agent, server.base, server.agent)
            agent.locator("[data-tab=waiting]").click()
            agent.locator(".conv-item", has_text="这个是我的订单号").click()
            expect(agent.locator("#chat-log .m--buyer .m-bubble").first).to_have_text(FIRST)

            reply = agent.locator("#reply")
            reply.press_sequentially("/fh")
            expect(agent.locator("#tpl-picker .tpl-option code")).to_have_text("/fh")
            reply.press("Enter")
            # Known fields are filled in; the unknown one is named and selected, ready to be typed over.
            filled = r"^访客.+您好，订单 123456789012 已发出，运单号 \{快递单号\}，请留意查收。$"
            expect(reply).to_have_value(re.compile(filled))
            missing = agent.locator("#tpl-missing")
            expect(missing).to_contain_text("{快递单号}")
            assert selection(agent) == "{快递单号}"

            # Enter with the field unfilled: nothing goes out, the caret goes back to the field.
            reply.press("End")
            reply.press("Enter")
            expect(missing).to_have_text("还有未填写的字段 {快递单号}，填好后再发送")
            assert selection(agent) == "{快递单号}"
            expect(agent.locator("#chat-log .m--agent")).to_have_count(0)
            if os.environ.get("KEFU_SCREENSHOTS"):
                agent.screenshot(path=str(server.shots / "template-unfilled.png"))

            reply.press_sequentially("SF1234567890123")  # types over the selected field
            expect(missing).to_be_hidden()
            reply.press("Enter")
            sent = "订单 123456789012 已发出，运单号 SF1234567890123，请留意查收。"
            expect(agent.locator("#chat-log .m--agent .m-bubble")).to_contain_text([sent])
            expect(reply).to_have_value("")
            expect(buyer.locator(".msg--agent .msg-bubble").last).to_contain_text(sent)
            assert "{" not in buyer.locator(".msg--agent .msg-bubble").last.inner_text()

            # 推荐知识 keeps to what the buyer asked: their "好的谢谢" is small talk, not a question.
            buyer.locator("#wg-input").fill("好的谢谢")
            buyer.locator("#wg-input").press("Enter")
            expect(agent.locator("#chat-log .m--buyer .m-bubble").last).to_have_text("好的谢谢")
            agent.locator("[data-side=kb]").click()
            expect(agent.locator("#kbp-suggest-for")).to_have_text(f"根据买家的问题：{FIRST}")
            if os.environ.get("KEFU_SCREENSHOTS"):
                agent.screenshot(path=str(server.shots / "kb-panel-after-thanks.png"))
        finally:
            browser.close()
    watch.check()
