"""Presence and honesty in the browser (Debian's Chromium), as buyers, an agent and a supervisor see them: a
buyer nobody can serve is told so (no made-up place); a served buyer gets no queue greeting; a transfer to a
group nobody staffs waits there with the buyer told, never bounced back; an agent who steps away sees which
chats went back to the queue; a supervisor who only watches is not routed to until they set themselves online.
The server runs with automatic routing on and a 2-second requeue grace; a greeting timer the test wants to see
run is made due at once in the server's database (its scheduler runs it within a second), not waited 15 s for."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, kefu_each, needs_chromium, server_env, serving
from tests.web.test_browser_routing import PASSWORD, log_in, watch

NO_AGENT = "当前暂无在线客服，您可以先留言，客服上线后会第一时间回复您"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("presence")
    env = server_env(data, "presence-test", KEFU_REQUEUE_GRACE_SECONDS="2")
    tag = uuid.uuid4().hex[:6]
    names = SimpleNamespace(shop=f"deer-{tag}", agent=f"zhang-{tag}", boss=f"wang-{tag}")
    kefu_each(env, ("shop", "add", names.shop, "小鹿优选"),
              ("agent", "add", names.agent, "--shop", names.shop, "--password", PASSWORD, "--name", "小张",
               "--group", "售后"),
              ("agent", "add", names.boss, "--shop", names.shop, "--password", PASSWORD, "--name", "王主管",
               "--role", "supervisor"))
    with serving(env, data) as base:
        yield SimpleNamespace(base=base, data=data, db_url=env["KEFU_DATABASE_URL"], **vars(names))


def greet_now(server) -> str:
    """Make the shop's pending greeting timers due now; wait until the server's scheduler has run them and return
    their outcome ("greeted" or "not needed"), or "cancelled" when an assignment cancelled it first."""
    from sqlalchemy import select, update

    from kefu.conversations.service import GREET_TIMER
    from kefu.core.clock import now
    from kefu.core.config import normalize_database_url
    from kefu.core.db import Database
    from kefu.core.scheduler import Timer
    from kefu.shops.models import Shop

    async def go() -> str:
        db = Database(normalize_database_url(server.db_url))
        try:
            async with db.transaction() as s:
                shop_id = await s.scalar(select(Shop.id).where(Shop.slug == server.shop))
                ids = list(await s.scalars(select(Timer.id).where(Timer.shop_id == shop_id, Timer.kind == GREET_TIMER,
                                                                  Timer.done_at.is_(None))))
                await s.execute(update(Timer).where(Timer.id.in_(ids)).values(due_at=now()))
                if not ids:  # none pending: assignment cancelled it
                    return await s.scalar(select(Timer.outcome).where(Timer.shop_id == shop_id,
                                                                      Timer.kind == GREET_TIMER)
                                          .order_by(Timer.id.desc()).limit(1))
            assert len(ids) == 1, ids
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                async with db.transaction() as s:
                    timer = await s.get(Timer, ids[0])
                    if timer.done_at is not None:
                        return timer.outcome
                await asyncio.sleep(0.1)
            raise AssertionError("the server's scheduler did not run the greeting timer")
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API runs an event loop in this thread
        return pool.submit(asyncio.run, go()).result()


def buyer_page(browser, server, errors, who, lang="zh"):
    page = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US").new_page()
    watch(page, who, errors)
    page.goto(f"{server.base}/widget/{server.shop}" + ("?lang=en" if lang == "en" else ""))
    return page


def send(page, text):
    page.locator("#wg-input").fill(text)
    page.locator("#wg-input").press("Enter")


def test_buyers_hear_the_truth_about_their_wait_transfers_and_an_absent_agent(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Nobody is online: no "下一位就是您 · 预计不到 1 分钟", but the truth and the offer to write.
            first = buyer_page(browser, server, errors, "first")
            send(first, "我的快递到哪了")
            expect(first.locator("#wg-queue .wg-queue-none")).to_have_text(NO_AGENT)
            expect(first.locator("#wg-queue .wg-queue-leave")).to_have_text("留言 / 提交工单")  # the offer to write

            agent = browser.new_context(locale="zh-CN").new_page()
            watch(agent, "agent", errors)
            log_in(agent, server.base, server.agent)
            expect(first.locator("#wg-sub")).to_have_text("客服 小张 为您服务")
            expect(first.locator("#wg-queue")).to_be_hidden()
            # The served buyer never gets the queue greeting: seating them cancelled it.
            assert greet_now(server) == "cancelled"

            # A transfer to 投诉, which nobody staffs: the buyer is told and waits there; it does not bounce back.
            second = buyer_page(browser, server, errors, "second")
            send(second, "退货的话怎么寄回")
            expect(second.locator("#wg-sub")).to_have_text("客服 小张 为您服务")
            agent.locator(".conv-item", has_text="退货的话怎么寄回").click()
            agent.locator("[data-handoff=transfer]").click()
            # the dialog draws its targets again once the team has loaded, which would drop an earlier choice
            expect(agent.locator("input[name=target][value^='agent:']")).to_have_count(1)
            agent.locator("input[name=target][value='group:投诉']").check()
            agent.locator("#handoff-submit").click()
            expect(agent.locator("#handoff-dialog")).to_be_hidden()
            expect(second.locator(".msg--system .msg-bubble").last).to_have_text(
                "正在为您转接投诉专员。当前暂无在线的投诉专员，您可以先留言，上线后会第一时间回复您。")
            expect(second.locator("#wg-queue .wg-queue-none")).to_have_text(NO_AGENT)
            second.wait_for_timeout(2000)  # the router has passed many times by now
            expect(second.locator("#wg-sub")).to_have_text("正在为您安排客服，请稍候…")

            # The agent steps away: after the grace their unanswered chat goes back to the queue, and they see it.
            agent.locator("#presence").select_option("away")
            notice = agent.locator(".moved-notice")
            expect(notice).to_contain_text("1 个会话因您离开已转回排队")
            expect(first.locator(".msg--system .msg-bubble").last).to_have_text(
                "刚才为您服务的客服暂时离开了，正在为您安排其他客服，请稍候。")
            bubbles = first.locator(".msg-bubble").all_inner_texts()  # all that came before this notice
            assert not [b for b in bubbles if "排队" in b], bubbles
            agent.screenshot(path=str(server.data / "workspace-moved.png"))
            notice.get_by_role("button", name="知道了").click()
            expect(notice).to_have_count(0)
            agent.reload()  # seen: it does not come back
            expect(agent.locator("#presence")).to_have_value("away")
            agent.wait_for_timeout(500)
            expect(agent.locator(".moved-notice")).to_have_count(0)
        finally:
            browser.close()
    assert errors == [], errors


def test_a_supervisor_who_only_watches_is_not_routed_to_until_online(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            boss = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
            watch(boss, "boss", errors)
            boss.goto(f"{server.base}/agent/login?next=/supervisor")
            boss.fill("input[name=username]", server.boss)
            boss.fill("input[name=password]", PASSWORD)
            boss.click("button[type=submit]")
            boss.wait_for_url(f"{server.base}/supervisor")
            expect(boss.locator("#presence")).to_have_value("away")  # watching: not routed to

            buyer = buyer_page(browser, server, errors, "buyer", lang="en")
            # English text quotes with Latin quotation marks, not the CJK fonts' full-width ones ("tap “Talk to a
            # person” any time" had gaps around the quoted words)
            quote_em = buyer.evaluate("""() => { const s = document.createElement('span'); s.textContent = '“';
                document.body.append(s); const w = s.getBoundingClientRect().width;
                const em = parseFloat(getComputedStyle(s).fontSize); s.remove(); return w / em; }""")
            assert quote_em < 0.7, quote_em
            send(buyer, "Do you have this jacket in black?")
            expect(buyer.locator("#wg-queue .wg-queue-none")).to_have_text(
                "No agent is online right now. Leave us a message and we'll reply as soon as an agent is back.")
            # the 投诉 and 售后 buyers of the test before wait too; nobody online can serve any of the three
            expect(boss.locator("#sv-queue .chip--nobody")).to_have_text(["无人可接"] * 3)
            expect(boss.locator("#sv-alerts")).to_contain_text("售前组暂无可接待的在线客服")
            boss.screenshot(path=str(server.data / "supervisor-presence.png"), full_page=True)

            boss.locator("#presence").select_option("online")
            expect(buyer.locator(".msg--system .msg-bubble").last).to_have_text("王主管 is now helping you.")
            expect(boss.locator("#presence")).to_have_value("online")
            expect(boss.locator("#sv-queue .chip--nobody")).to_have_count(2)  # a supervisor takes only 售前
        finally:
            browser.close()
    assert errors == [], errors
