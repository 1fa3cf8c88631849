"""Compensation beyond authority in Debian's Chromium: the agent's case panel says before submitting that ¥80 is
beyond their authority and sends it to a supervisor; the supervisor view (another browser context) shows the request
appear live with its context and approves it; the agent's panel flips to 已批准 without a reload. The admin's
limits page shows the table and refuses a per-day limit below the per-case one.
With KEFU_SCREENSHOTS=<folder> the pages are saved there."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.compensation.helpers import order_facts
from tests.web import browser
from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    buyer_asks,
    needs_chromium,
    team_server,
)

PASSWORD = "comp-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
SHOTS = os.environ.get("KEFU_SCREENSHOTS")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "comp", PASSWORD,
                     ("agent", "小美", "agent"), ("boss", "王主管", "supervisor"),
                     ("owner", "店长", "admin")) as server:
        yield server


def make_case(db_url: str, slug: str, conversation_id: int, customer_id: int) -> str:
    """A return case on a ¥299 order from the buyer's chat (cases are opened by the aftersales service; here only
    the row matters)."""
    from sqlalchemy import select

    from kefu.aftersales.models import AftersaleCase
    from kefu.core.clock import now
    from kefu.core.config import normalize_database_url
    from kefu.core.db import Database
    from kefu.shops.models import Shop

    number = "SH" + uuid.uuid4().hex[:8].upper()

    async def go():
        db = Database(normalize_database_url(db_url), sqlite_synchronous="normal")
        try:
            async with db.transaction() as s:
                shop = await s.scalar(select(Shop).where(Shop.slug == slug))
                s.add(AftersaleCase(shop_id=shop.id, number=number, kind="return", reason="defect",
                                    conversation_id=conversation_id, customer_id=customer_id,
                                    description="运动鞋穿了两天鞋底开胶", order_number="DD2026001",
                                    order=order_facts(29_900, 0), policy={},
                                    updated_at=now()))
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop running in this thread
        pool.submit(asyncio.run, go()).result()
    return number


def shot(page, name: str, selector: str | None = None) -> None:
    if SHOTS:
        (page.locator(selector) if selector else page).screenshot(path=os.path.join(SHOTS, name))


def test_beyond_authority_is_approved_live(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10000)
    conversation_id, customer_id = buyer_asks(server.base, server.slug, "运动鞋穿了两天鞋底就开胶了")
    number = make_case(server.db_url, server.slug, conversation_id, customer_id)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            desk = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
            desk.on("pageerror", lambda e: errors.append(f"workspace: {e}"))
            log_in(desk, server.base, server.agent)
            boss = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000}).new_page()
            boss.on("pageerror", lambda e: errors.append(f"supervisor: {e}"))
            log_in(boss, server.base, server.boss, "/supervisor")
            approvals = boss.locator("#sv-approvals")
            expect(approvals).to_contain_text("暂无待审批")

            # the chat (routed to the only agent online), its 售后 tab, the case: case-panel.js draws #case-comp
            desk.locator("[data-tab=open]").click()
            desk.locator(".conv-item").first.click()
            desk.locator("[data-side=cases]").click()
            desk.locator(".cs-row", has_text=number).click()
            comp = desk.locator("#case-comp")
            expect(comp).to_contain_text("本单还可给 ¥20，今日还可给 ¥100")
            expect(comp).to_contain_text("本单还没有补偿记录")
            comp.locator(".comp-amount").fill("10")
            expect(comp.locator(".comp-hint")).to_contain_text("在您的权限内")
            comp.locator(".comp-kind").select_option("partial_refund")
            expect(comp.locator(".comp-hint")).to_contain_text("不能直接给部分退款")
            comp.locator(".comp-kind").select_option("coupon")
            comp.locator(".comp-amount").fill("80")
            expect(comp.locator(".comp-hint")).to_contain_text("超出本单权限（还可给 ¥20），将提交主管审批")
            expect(comp.locator("button[type=submit]")).to_have_text("提交主管审批")
            comp.locator("button[type=submit]").click()  # no note yet: refused in the page, nothing sent
            expect(desk.locator(".toast", has_text="请写明原因")).to_be_visible()
            comp.locator(".comp-note-input").fill("鞋底开胶，买家等了一周，补一张 80 元券安抚")
            comp.locator("button[type=submit]").click()
            item = comp.locator(".comp-item")
            expect(item).to_have_count(1)
            expect(item).to_contain_text("待主管审批")
            shot(desk, "compensation-pending.png", "#case-comp")

            # the supervisor's page: the request appears without a reload, with the case's context
            req = approvals.locator(".comp-sv-item")
            expect(req).to_have_count(1)
            expect(req).to_contain_text("优惠券 ¥80")
            expect(req).to_contain_text(number)
            expect(req).to_contain_text("订单实付 ¥299")
            expect(req).to_contain_text("申请人 小美")
            expect(req).to_contain_text("买家等了一周")
            expect(boss.locator(".toast", has_text="新的补偿申请：小美 申请 ¥80 优惠券")).to_be_visible()
            shot(boss, "compensation-approvals.png", "#sv-approvals")
            req.locator(".comp-sv-note").fill("同意，下次请先安抚再补偿")
            req.locator(".comp-approve").click()
            expect(approvals).to_contain_text("暂无待审批")

            # the agent's panel flips live, with the supervisor's note; counted on the case
            expect(item).to_contain_text("已批准")
            expect(item).to_contain_text("王主管：同意，下次请先安抚再补偿")
            expect(comp).to_contain_text("本单已补偿 ¥80")
            expect(comp).to_contain_text("本单还可给 ¥0")
            expect(desk.locator(".toast", has_text="补偿申请已批准")).to_be_visible()
            shot(desk, "compensation-approved.png", "#case-comp")
            shot(desk, "compensation-workspace.png")

            owner = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
            owner.on("pageerror", lambda e: errors.append(f"admin: {e}"))
            log_in(owner, server.base, server.owner, "/admin/compensation")
            row = owner.locator("#comp-rows tr[data-role=agent]")
            expect(row.locator("[data-field=per_case]")).to_have_value("20")
            expect(row.locator("input[value=partial_refund]")).not_to_be_checked()
            expect(owner.locator("#comp-rows tr[data-role=admin] [data-field=per_day]")).to_have_value("")
            shot(owner, "compensation-admin.png")
            row.locator("[data-field=per_day]").fill("10")
            owner.locator("#comp-form button[type=submit]").click()
            expect(owner.locator("#comp-error")).to_contain_text("roles.agent.per_day_fen")
            row.locator("[data-field=per_day]").fill("150")
            owner.locator("#comp-form button[type=submit]").click()
            expect(owner.locator("#comp-updated")).to_contain_text("店长")
        finally:
            chromium.close()
    assert errors == []
