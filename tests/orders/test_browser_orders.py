"""Orders in Debian's Chromium: the admin's connector page; the workspace's 订单 tab with the 催付 list while no
chat is open; a buyer types an order number in the widget, the agent opens the chat, the tab's badge counts the
order, the panel shows it as number and status only until the buyer's last 4 digits match, then in full (the
delay in red); 发送订单卡片 puts the card in the chat and the buyer's widget draws it.
With KEFU_SCREENSHOTS=<folder> the pages are saved there (docs/img/orders-*.png)."""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime, timedelta

import pytest

from tests.web import browser
from tests.web.browser import API, CHROMIUM, CHROMIUM_ARGS, needs_chromium, team_server

PASSWORD = "orders-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
SHOTS = os.environ.get("KEFU_SCREENSHOTS")
NUMBER = "3862105518840217"
UNPAID = "3862113085402256"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "orders", PASSWORD,
                     ("agent", "阿杰", "agent"), ("boss", "鹿店长", "admin")) as server:
        yield server


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).isoformat()


def shot(page, name: str, selector: str | None = None) -> None:
    if SHOTS:
        (page.locator(selector) if selector else page).screenshot(path=os.path.join(SHOTS, name))


def test_an_order_the_buyer_typed_is_checked_shown_and_sent_as_a_card(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10000)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # The admin enters two orders of a shop member (their own system's buyer id, not this visitor).
            boss = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860}).new_page()
            boss.on("pageerror", lambda e: errors.append(f"admin: {e}"))
            log_in(boss, server.base, server.boss, "/admin/orders")
            expect(boss.locator("#oa-delay")).to_have_value("30")
            common = {"buyer_ref": "member-2231", "buyer_name": "大橘为重", "buyer_phone": "18252086634",
                      "address": "河南省郑州市金水区花园路 8 号", "payment_method": "wechat"}
            for order in (
                {**common, "number": NUMBER, "status": "shipped", "logistics_status": "delayed",
                 "logistics_note": "郑州中转站超过 48 小时没有新的扫描记录", "carrier": "中通快递",
                 "tracking_number": "ZTO458812073396", "total_fen": 3900, "shipping_fen": 0,
                 "items": [{"name": "居家防滑拖鞋 灰色 40-41", "qty": 1, "price_fen": 3900, "category": "home"}],
                 "placed_at": iso(timedelta(days=4)), "paid_at": iso(timedelta(days=4)),
                 "shipped_at": iso(timedelta(days=3))},
                {**common, "number": UNPAID, "status": "unpaid", "total_fen": 13900,
                 "items": [{"name": "垂感阔腿裤 黑色 S", "qty": 1, "price_fen": 13900}],
                 "placed_at": iso(timedelta(minutes=50))}):
                status, body = boss.evaluate(API, ["POST", "/api/admin/orders", {"order": order}])
                assert status == 201, body
            boss.locator("input[name=mode][value=http]").check()
            expect(boss.locator("#oa-http")).to_be_visible()
            shot(boss, "orders-admin.png")
            boss.locator("input[name=mode][value=builtin]").check()

            # The buyer asks about the parcel in the widget, with the order number.
            buyer = chromium.new_context(locale="zh-CN", viewport={"width": 420, "height": 720}).new_page()
            buyer.on("pageerror", lambda e: errors.append(f"widget: {e}"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            line = f"我的拖鞋订单 {NUMBER} 三天没更新物流了"
            buyer.locator("#wg-input").fill(line)
            buyer.locator("#wg-input").press("Enter")
            expect(buyer.locator(".msg--buyer .msg-bubble")).to_have_text([line])

            # The agent: with no chat open the 订单 tab is the 催付 list.
            agent = chromium.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
            agent.on("pageerror", lambda e: errors.append(f"workspace: {e}"))
            log_in(agent, server.base, server.agent)
            tab = agent.locator("[data-side=orders]")
            tab.click()
            panel = agent.locator("#orders-panel")
            expect(panel.locator(f".op-unpaid[data-number='{UNPAID}']")).to_contain_text("应付 ¥139.00")
            shot(agent, "orders-cuifu.png", ".ws-side")
            panel.locator(f".op-unpaid[data-number='{UNPAID}'] .op-remind").click()
            expect(panel.locator(f".op-unpaid[data-number='{UNPAID}'] .op-reminded")).to_contain_text("已催付")

            # They open the buyer's chat: the tab counts the order the buyer typed, shown without details.
            agent.locator("[data-side=info]").click()
            agent.locator(".conv-item", has_text="三天没更新物流").click()
            badge = agent.locator("#orders-count")
            expect(badge).to_have_text("1")
            tab.click()
            expect(badge).to_be_hidden()
            order = panel.locator(f".op-order[data-number='{NUMBER}']")
            expect(order).to_contain_text("买家身份未核验")
            expect(order.locator(".op-items")).to_have_count(0)
            order.locator(".op-last4").fill("0000")
            order.locator(".op-verify button").click()
            expect(order.locator(".op-verify-note")).to_contain_text("还可尝试 4 次")
            order.locator(".op-last4").fill("6634")
            order.locator(".op-verify button").click()
            order = panel.locator(f".op-order[data-number='{NUMBER}']")
            expect(order.locator(".op-items")).to_contain_text("居家防滑拖鞋")
            expect(order.locator(".op-logistics--delayed")).to_have_text("物流延误")
            expect(order).to_contain_text("ZTO458812073396")
            expect(order).to_contain_text("182****6634")
            assert "18252086634" not in panel.inner_text()
            color = order.locator(".op-logistics--delayed").evaluate("e => getComputedStyle(e).color")
            assert color == "rgb(229, 72, 77)", color  # --danger
            shot(agent, "orders-panel.png", ".ws-side")

            order.locator(".op-send").click()
            expect(agent.locator("#chat-log .order-card")).to_contain_text(NUMBER)
            card = buyer.locator(".msg .order-card")
            expect(card).to_contain_text(NUMBER)
            expect(card).to_contain_text("居家防滑拖鞋")
            expect(card).to_contain_text("实付 ¥39.00")
            expect(card).to_contain_text("物流延误")
            expect(card).to_contain_text("ZTO458812073396")
            expect(card).to_have_css("border-radius", "10px")  # orders.css reached the widget too
            shot(buyer, "orders-card-widget.png")
            shot(agent, "orders-workspace.png")

            # The shop switches to its own order system, which is down: the panel says so, the chat goes on.
            status, body = boss.evaluate(API, ["PUT", "/api/admin/orders/settings", {
                "mode": "http", "base_url": f"http://127.0.0.1:{browser.free_port()}", "timeout": 1}])
            assert status == 200 and body["mode"] == "http", body
            panel.get_by_role("button", name="刷新").click()
            expect(panel.locator(".op-down")).to_contain_text("订单系统暂时无法访问")
            shot(agent, "orders-down.png", ".ws-side")
            buyer.locator("#wg-input").fill("好的，我等消息")
            buyer.locator("#wg-input").press("Enter")
            expect(agent.locator("#chat-log .m--buyer .m-bubble").last).to_have_text("好的，我等消息")
        finally:
            chromium.close()
    assert not errors, errors
