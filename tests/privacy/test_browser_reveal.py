"""Masked personal details in the agent workspace, in Debian's Chromium: a buyer writes their phone and address
in the widget; the agent sees the line masked, 查看 shows it whole (audited, once), a line arriving live gets its
own 查看, the profile's phone and e-mail are revealed the same way, a reload masks everything again; lines the
shop's privacy rule took read 已删除 / 已匿名; the receiver of an identified buyer's order is revealed in the
订单 tab (a refusal said on its line); the English page says Show. With KEFU_SCREENSHOTS=<folder> the
workspace is saved there (docs/img/workspace-masked.png)."""

from __future__ import annotations

import asyncio
import functools
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from tests.web import browser
from tests.web.browser import API, CHROMIUM, CHROMIUM_ARGS, needs_chromium, team_server

PASSWORD = "reveal-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
SHOTS = os.environ.get("KEFU_SCREENSHOTS")
PHONE, EMAIL = "13812345678", "zhou.xiaoman@example.com"
ADDRESS = "浙江省杭州市西湖区文三路100号3单元502室"
LINE = f"快递一直没到，我电话{PHONE}，地址是{ADDRESS}"
LIVE = "换个号码吧 13900001111"
NUMBER = "3862105518840299"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "reveal", PASSWORD,
                     ("agent", "小李", "agent"), ("boss", "鹿店长", "admin")) as server:
        yield server


def in_db(env: dict, fn):
    """``fn(session)`` on the server's database: what the shop's own systems (or the nightly rule) put there."""
    from kefu.core.config import normalize_database_url
    from kefu.core.db import Database

    async def go():
        db = Database(normalize_database_url(env["KEFU_DATABASE_URL"]), sqlite_synchronous="normal")
        try:
            async with db.transaction() as s:
                return await fn(s)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop running on this thread
        return pool.submit(asyncio.run, go()).result()


def set_contact(env: dict, customer_id: int) -> None:
    from kefu.customers.models import Customer

    async def go(s):
        customer = await s.get(Customer, customer_id)
        customer.phone, customer.email = PHONE, EMAIL

    in_db(env, go)


def redact(env: dict, conversation_id: int) -> None:
    """The shop's rule took this chat's first line (deleted) and anonymised its second."""
    from sqlalchemy import select

    from kefu.conversations.models import Message

    async def go(s):
        rows = list(await s.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                    .where(Message.sender == "buyer").order_by(Message.seq)))
        rows[0].text, rows[0].analysis = "", {"redacted": "deleted"}
        rows[1].text, rows[1].analysis = "退货寄到[地址]，电话138****5678", {"redacted": "anonymised"}

    in_db(env, go)


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name))


def say(page, text: str) -> None:
    page.locator("#wg-input").fill(text)
    page.locator("#wg-input").press("Enter")
    page.locator(".msg--buyer .msg-bubble", has_text=text).wait_for()


def reveals(boss) -> list[dict]:
    status, body = boss.evaluate(API, ["GET", "/api/admin/audit?action=pii.revealed", None])
    assert status == 200, body
    return body["entries"]


def test_masked_lines_profile_and_order_are_revealed_on_request_and_audited(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10000)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            boss = chromium.new_context(locale="zh-CN").new_page()
            boss.on("pageerror", lambda e: errors.append(f"admin: {e}"))
            log_in(boss, server.base, server.boss, "/admin/audit")
            order = {"number": NUMBER, "buyer_ref": "member-88", "buyer_name": "周小满", "buyer_phone": PHONE,
                     "address": ADDRESS, "status": "shipped", "logistics_status": "in_transit", "total_fen": 3900,
                     "items": [{"name": "居家防滑拖鞋 灰色 40-41", "qty": 1, "price_fen": 3900}],
                     "placed_at": datetime.now(UTC).isoformat()}
            status, body = boss.evaluate(API, ["POST", "/api/admin/orders", {"order": order}])
            assert status == 201, body

            buyer = chromium.new_context(locale="zh-CN", viewport={"width": 420, "height": 720}).new_page()
            buyer.on("pageerror", lambda e: errors.append(f"widget: {e}"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            say(buyer, LINE)

            agent = chromium.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}).new_page()
            agent.on("pageerror", lambda e: errors.append(f"workspace: {e}"))
            log_in(agent, server.base, server.agent)
            agent.locator("[data-tab=open]").click()
            agent.locator(".conv-item", has_text="快递一直没到").click()
            first = agent.locator(".m--buyer .m-bubble").first
            expect(first.locator(".m-text")).to_contain_text("138****5678")
            expect(first.locator(".m-text")).to_contain_text("[地址]")
            assert PHONE not in agent.locator("#chat-log").inner_text()
            show = first.locator(".wsp-show")
            expect(show).to_have_text("查看")
            expect(show).to_have_attribute("title", "查看会记录在审计日志中")
            assert reveals(boss) == []
            show.click()
            expect(first.locator(".m-text")).to_have_text(LINE)
            expect(show).to_have_count(0)
            [entry] = reveals(boss)
            conversation_id = int(agent.evaluate("location.hash").removeprefix("#c"))
            assert entry["target"] == f"conversation:{conversation_id}"

            # A line arriving live comes masked with its own 查看; the revealed one stays shown meanwhile.
            say(buyer, LIVE)
            live = agent.locator(".m--buyer .m-bubble", has_text="换个号码吧")
            expect(live.locator(".m-text")).to_have_text("换个号码吧 139****1111")
            expect(first.locator(".m-text")).to_have_text(LINE)
            live.locator(".wsp-show").click()
            expect(live.locator(".m-text")).to_have_text(LIVE)
            assert len(reveals(boss)) == 2

            # The profile: phone and e-mail masked, one 查看 reveals both.
            chat = boss.evaluate(API, ["GET", f"/api/conversations/{conversation_id}", None])[1]
            customer_id = chat["customer"]["id"]
            set_contact(server.env, customer_id)
            agent.reload()
            expect(first.locator(".m-text")).to_contain_text("138****5678")  # a reload masks it again
            side = agent.locator("#side-body .facts").first
            expect(side).to_contain_text("138****5678")
            expect(side).to_contain_text("z***@example.com")
            side.locator(".wsp-show").click()
            expect(side).to_contain_text(PHONE)
            expect(side).to_contain_text(EMAIL)
            assert reveals(boss)[0]["target"] == f"customer:{customer_id}"

            # The order's receiver, once the buyer is identified (the last 4 digits of the phone).
            say(buyer, f"订单 {NUMBER} 到哪了")
            agent.locator("[data-side=orders]").click()
            block = agent.locator(f"#orders-panel .op-order[data-number='{NUMBER}']")
            block.locator(".op-last4").fill(PHONE[-4:])
            block.locator(".op-verify button").click()
            receiver = block.locator(".op-receiver")
            expect(receiver).to_contain_text("周**")
            expect(receiver).to_contain_text("浙江省杭州市西湖区****")
            # Refused (the buyer's identification lapsed meanwhile): the line says why, 查看 stays.
            refusal = {"error": {"code": "order_not_verified", "zh": "请先核验买家身份",
                                 "en": "Check the buyer's identity first"}}
            agent.route("**/api/orders/*/reveal*", lambda route: route.fulfill(
                status=403, content_type="application/json", body=json.dumps(refusal)))
            receiver.locator(".wsp-show").click()
            expect(receiver.locator(".wsp-error")).to_have_text("请先核验买家身份")
            assert PHONE not in receiver.inner_text()
            agent.unroute("**/api/orders/*/reveal*")
            receiver.locator(".wsp-show").click()
            expect(receiver).to_contain_text(f"周小满 {PHONE} {ADDRESS}")
            expect(receiver.locator(".wsp-error")).to_be_hidden()
            assert reveals(boss)[0]["target"] == f"order:{NUMBER}"
            assert PHONE not in str(reveals(boss))  # the log says what was shown, never the details
            agent.locator("[data-side=info]").click()

            # For the docs: one line revealed, the live one still masked.
            agent.reload()
            first.locator(".wsp-show").click()
            expect(first.locator(".m-text")).to_have_text(LINE)
            expect(live.locator(".wsp-show")).to_be_visible()
            shot(agent, "workspace-masked.png")
            assert errors == [], errors
        finally:
            chromium.close()


def test_redacted_lines_and_the_english_labels(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10000)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            buyer = chromium.new_context(locale="zh-CN").new_page()
            buyer.goto(f"{server.base}/widget/{server.slug}")
            say(buyer, "我的身份证号码是 330106199001011234")
            say(buyer, f"退货寄到{ADDRESS}，电话{PHONE}")
            say(buyer, f"还是打我电话 {PHONE}")

            agent = chromium.new_context(locale="en-US", viewport={"width": 1440, "height": 900}).new_page()
            agent.on("pageerror", lambda e: errors.append(str(e)))
            log_in(agent, server.base, server.agent, "/agent?lang=en")
            agent.locator("[data-tab=open]").click()
            agent.locator(".conv-item", has_text="还是打我电话").click()
            conversation_id = int(agent.evaluate("location.hash").removeprefix("#c"))
            redact(server.env, conversation_id)
            agent.reload()
            lines = agent.locator(".m--buyer .m-bubble")
            expect(lines).to_have_count(3)
            expect(lines.nth(0)).to_have_text("Removed under the shop's privacy rule")
            expect(lines.nth(0).locator(".wsp-show")).to_have_count(0)
            expect(lines.nth(1).locator(".wsp-anon")).to_have_text("Anonymised")
            expect(lines.nth(1).locator(".m-text")).to_have_text("退货寄到[地址]，电话138****5678")
            show = lines.nth(2).locator(".wsp-show")
            expect(show).to_have_text("Show")
            expect(show).to_have_attribute("title", "Showing it is recorded in the audit log")
            show.click()
            expect(lines.nth(2).locator(".m-text")).to_have_text(f"还是打我电话 {PHONE}")
            assert errors == [], errors
        finally:
            chromium.close()
