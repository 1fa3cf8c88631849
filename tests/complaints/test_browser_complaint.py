"""A complaint in Debian's Chromium: an angry buyer writes in the widget; the agent walks the complaint through
the workspace's complaint panel (HEAT reminders, stage forms, what is missing), sends the agreement card, the
buyer confirms it in the widget and the agent's panel shows it confirmed live; the follow-up visit closes it.
Also the buyer-type flags above the buyer's info. With KEFU_SCREENSHOTS=<folder> the pages are saved there.

Opening the case is another part's work (POST /api/cases): here the case row goes in directly; the agent opens it
from the 售后 tab (case-panel.js), which gives the complaint panel its place (#case-complaint)."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.web import browser
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, team_server

PASSWORD = "complaint-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
SHOTS = os.environ.get("KEFU_SCREENSHOTS")
SH = ZoneInfo("Asia/Shanghai")
ANGRY = "你们什么破快递！三天了还不到，箱子还是破的！！我要投诉"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "complaints", PASSWORD,
                     ("agent", "小陈", "agent")) as server:
        yield server


def open_complaint(db_url: str, slug: str, username: str) -> str:
    """A complaint case on the shop's latest chat, assigned to the agent (as POST /api/cases would leave it)."""
    from sqlalchemy import select

    from kefu.aftersales.models import AftersaleCase
    from kefu.agents.models import Agent
    from kefu.conversations.models import Conversation
    from kefu.core.clock import now
    from kefu.core.config import normalize_database_url
    from kefu.core.db import Database
    from kefu.shops.models import Shop

    number = f"SH-{uuid.uuid4().hex[:8].upper()}"  # the shape of a real case number

    async def go():
        db = Database(normalize_database_url(db_url), sqlite_synchronous="normal")
        try:
            for _ in range(100):  # the buyer's first line may still be on its way
                async with db.transaction() as s:
                    conv = await s.scalar(select(Conversation).join(Shop, Shop.id == Conversation.shop_id)
                                          .where(Shop.slug == slug).order_by(Conversation.id.desc()).limit(1))
                if conv is not None:
                    break
                await asyncio.sleep(0.1)
            async with db.transaction() as s:
                agent = await s.scalar(select(Agent).where(Agent.username == username))
                s.add(AftersaleCase(shop_id=conv.shop_id, number=number, kind="complaint", status="open", policy={},
                                    customer_id=conv.customer_id, conversation_id=conv.id, stage="soothe",
                                    stage_data={}, assignee_id=agent.id, created_by_id=agent.id,
                                    updated_at=now(), created_at=now()))
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop running in this thread
        pool.submit(asyncio.run, go()).result()
    return number


def local(dt: datetime) -> str:
    return dt.astimezone(SH).strftime("%Y-%m-%dT%H:%M")


def shot(page, name: str, selector: str | None = None) -> None:
    if SHOTS:
        page.wait_for_timeout(500)  # let the live redraws after the last action settle
        (page.locator(selector) if selector else page).screenshot(path=os.path.join(SHOTS, name))


def test_a_complaint_is_walked_through_and_the_buyer_confirms_the_agreement(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10000)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            buyer = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
            buyer.on("pageerror", lambda e: errors.append(f"widget: {e}"))
            buyer.goto(f"{server.base}/widget/{server.slug}")
            buyer.locator("#wg-input").fill(ANGRY)
            buyer.locator("#wg-input").press("Enter")
            expect(buyer.locator(".msg--buyer .msg-bubble")).to_have_text([ANGRY])
            number = open_complaint(server.db_url, server.slug, server.agent)

            desk = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                        viewport={"width": 1400, "height": 1000}).new_page()
            desk.on("pageerror", lambda e: errors.append(f"workspace: {e}"))
            log_in(desk, server.base, server.agent)
            desk.locator(".conv-item", has_text="破快递").click()
            expect(desk.locator("#chat-log .m--buyer .m-bubble")).to_have_text([ANGRY])

            # buyer-type flags above the buyer's info
            flags = desk.locator("#buyer-flags")
            expect(flags).to_be_visible()
            flags.locator(".bf-add").click()
            flags.locator(".bf-kind").select_option("venting")
            flags.locator(".bf-note-input").fill("连发感叹号，先要发泄情绪")
            expect(flags.locator(".bf-note-input")).to_have_value("连发感叹号，先要发泄情绪")
            flags.locator("button[type=submit]").click()
            expect(flags.locator(".bf-chip--venting")).to_contain_text("连发感叹号")
            expect(flags.locator(".bf-chip--venting")).to_contain_text("小陈")

            desk.locator("[data-side=cases]").click()
            desk.locator("#case-panel button", has_text=number).click()
            panel = desk.locator("#case-complaint .cp-panel")
            expect(panel.locator(".cp-step.is-current")).to_contain_text("安抚")
            expect(panel.locator(".cp-heat li")).to_have_count(3)  # an angry buyer: Hear, Empathize, Apologize
            shot(desk, "complaint-soothe.png", "#case-complaint")
            panel.locator(".cp-next").click()

            expect(panel.locator(".cp-step.is-current")).to_contain_text("事实")
            panel.locator(".cp-next").click()  # nothing filled in: refused, the missing fields listed
            expect(desk.locator(".toast--error")).to_contain_text("还不能进入下一步")
            expect(panel.locator(".cp-missing li")).to_have_count(3)
            expect(panel.locator(".cp-missing")).to_contain_text("买家诉求")
            now = datetime.now(SH)
            panel.locator("[name=what]").fill("快递三天未到，外箱破损")
            panel.locator("[name=when]").fill(local(now - timedelta(days=1)))
            panel.locator("[name=demand]").fill("补发并道歉")
            panel.locator(".cp-next").click()

            expect(panel.locator(".cp-step.is-current")).to_contain_text("责任")
            panel.locator("[name=party]").select_option("courier")
            panel.locator("[name=note]").fill("签收照片显示外箱破损")
            panel.locator(".cp-next").click()

            expect(panel.locator(".cp-step.is-current")).to_contain_text("方案")
            panel.locator("[name=text]").fill("今天补发一件，顺丰加急")
            panel.locator(".cp-next").click()

            expect(panel.locator(".cp-step.is-current")).to_contain_text("协议")
            expect(panel.locator("[name=remedy]")).to_have_value("今天补发一件，顺丰加急")
            panel.locator("[name=next_steps]").fill("今晚发出，明早把运单号发给您")
            panel.locator("[name=deadline]").fill(local(now + timedelta(days=2)))
            panel.locator(".cp-send").click()
            expect(panel.locator(".cp-agr-state.is-sent")).to_be_visible()
            expect(panel.locator(".cp-missing")).to_contain_text("等待买家确认")
            expect(desk.locator("#chat-log .agr-card .agr-state.is-waiting")).to_be_visible()

            card = buyer.locator(".agr-card")
            expect(card).to_contain_text("今天补发一件，顺丰加急")
            expect(card).to_contain_text(number)
            shot(buyer, "complaint-agreement-widget.png")
            card.locator(".agr-confirm").click()
            expect(card.locator(".agr-state.is-confirmed")).to_contain_text("已确认")

            expect(panel.locator(".cp-agr-state.is-confirmed")).to_contain_text("买家已于")  # live on the socket
            expect(desk.locator("#chat-log .agr-card .agr-state.is-confirmed")).to_be_visible()
            expect(panel.locator(".cp-ready")).to_be_visible()
            shot(desk, "complaint-agreement.png")
            panel.locator(".cp-next").click()

            expect(panel.locator(".cp-step.is-current")).to_contain_text("回访")
            expect(panel.locator(".cp-fu")).to_contain_text("小陈")
            owed = desk.context.new_page()  # another tab, no chat open: the 售后 tab lists the visits owed
            owed.goto(f"{server.base}/agent")
            owed.locator("[data-side=cases]").click()
            expect(owed.locator("#case-panel")).to_contain_text("我的回访")
            expect(owed.locator("#case-panel a.cs-row")).to_contain_text(number)
            owed.close()
            panel.locator(".cp-fu [name=outcome]").select_option("satisfied")
            panel.locator(".cp-fu textarea").fill("已收到补发，买家满意")
            panel.locator(".cp-fu-done").click()
            expect(panel.locator(".cp-step.is-current")).to_contain_text("完成")
            expect(panel.locator(".cp-fu-result")).to_contain_text("满意")
            shot(desk, "complaint-done.png", "#case-complaint")

            buyer.reload()  # the confirmed card stays confirmed
            expect(buyer.locator(".agr-card .agr-state.is-confirmed")).to_be_visible()
            expect(buyer.locator(".agr-confirm")).to_have_count(0)
        except Exception:
            if SHOTS:  # what the agent saw when it went wrong
                desk.screenshot(path=os.path.join(SHOTS, "complaint-failure.png"))
            raise
        finally:
            chromium.close()
    assert errors == []
