"""The supervisor's FAQ bot card: GET /api/kb/bot/stats counts what buyers lived through (answered, resolved,
handed to a person, rated) over a period chosen with `since`; the supervisor page carries the card in both
languages; in Chromium it fills from the API and follows the bot live."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.knowledge.conftest import article_body
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, in_chromium, team_server
from tests.web.test_browser_chat import PASSWORD
from tests.web.test_browser_kb import Watch, api_client, log_in

TITLES = ("退货运费谁出", "怎么开发票", "退款多久到账")
CELLS = ("conversations", "answered", "resolution_rate", "handoffs", "helpful_rate")


def _shop_with_kb(world):
    shop = world.shop()
    trainer = world.agent(shop, role="trainer")
    for title in TITLES:
        assert trainer.post("/api/kb/articles", article_body(title)).status_code == 201
    return shop, world.agent(shop, role="supervisor", name="王主管")


def _stats(boss, since: datetime | None = None) -> dict:
    r = boss.get("/api/kb/bot/stats", params={"since": since.isoformat()} if since else None)
    assert r.status_code == 200, r.text
    return r.json()


def _last(buyer) -> dict:
    return buyer.get("/api/widget/conversation").json()["messages"][-1]


def test_stats_follow_the_bot_answering_resolving_and_handing_off(world):
    shop, boss = _shop_with_kb(world)
    assert _stats(boss) == {"conversations": 0, "answered": 0, "resolved": 0, "handoffs": 0,
                            "resolution_rate": None, "rated": 0, "helpful_rate": None}

    happy = world.buyer(shop)
    happy.send("退货的运费是谁出呀")
    answer = _last(happy)
    assert answer["sender"] == "bot" and "运费" in answer["text"]
    s = _stats(boss)
    assert (s["conversations"], s["answered"], s["resolved"], s["handoffs"], s["resolution_rate"]) == (1, 1, 1, 0, 1.0)

    assert happy.post(f"/api/kb/bot/messages/{answer['id']}/rating", {"helpful": True}).status_code == 200
    s = _stats(boss)
    assert (s["rated"], s["helpful_rate"]) == (1, 1.0)

    # Another buyer gets an answer, then asks for a person: answered, but handed off, so not resolved.
    unhappy = world.buyer(shop)
    unhappy.send("怎么开发票")
    assert _last(unhappy)["sender"] == "bot"
    unhappy.send("转人工")
    assert "人工" in _last(unhappy)["text"]
    s = _stats(boss)
    assert (s["conversations"], s["answered"], s["resolved"], s["handoffs"], s["resolution_rate"]) == (2, 2, 1, 1, 0.5)

    # A third rates the bot's answer unhelpful: the share of helpful ratings drops, and that chat is unresolved.
    third = world.buyer(shop)
    third.send("退款多久到账")
    assert third.post(f"/api/kb/bot/messages/{_last(third)['id']}/rating", {"helpful": False}).status_code == 200
    s = _stats(boss)
    assert (s["conversations"], s["answered"], s["resolved"], s["rated"], s["helpful_rate"]) == (3, 3, 1, 2, 0.5)


def test_since_limits_the_stats_to_a_period_in_any_time_zone(world, frozen):
    shop, boss = _shop_with_kb(world)
    start = frozen.freeze()
    world.buyer(shop).send("退货运费谁出")  # answered at `start`
    frozen.advance(hours=3)
    world.buyer(shop).send("转人工")  # handed off three hours later

    everything = _stats(boss, start - timedelta(days=7))
    assert (everything["conversations"], everything["answered"], everything["handoffs"]) == (2, 1, 1)
    recent = start + timedelta(hours=1)
    for since in (recent, recent.astimezone(timezone(timedelta(hours=8))), recent.replace(tzinfo=None)):
        s = _stats(boss, since)  # the same instant in UTC, in Beijing time, and without an offset (UTC)
        assert (s["conversations"], s["answered"], s["handoffs"], s["resolution_rate"]) == (1, 0, 1, 0.0), since
    assert _stats(boss, start + timedelta(hours=4))["conversations"] == 0
    assert boss.get("/api/kb/bot/stats", params={"since": "yesterday"}).status_code == 422


def test_only_the_floor_and_kb_staff_see_bot_stats(world):
    shop, _boss = _shop_with_kb(world)
    assert world.agent(shop).get("/api/kb/bot/stats").status_code == 403
    assert world.agent(shop, role="admin").get("/api/kb/bot/stats").status_code == 200


@pytest.fixture
def web(client):
    client.cookies.clear()
    yield client
    client.cookies.clear()


def test_supervisor_page_has_the_bot_card_in_both_languages(web, world):
    _shop, boss = _shop_with_kb(world)
    zh = web.get("/supervisor", headers={"cookie": boss.cookie})
    assert zh.status_code == 200
    for label in ("智能助手接待", "今天", "近 7 天", "接待会话", "已回答", "解决率", "转人工", "好评率"):
        assert label in zh.text, label
    assert 'id="sv-bot"' in zh.text
    for period in ("today", "week"):
        for cell in CELLS:
            assert f'data-bot-stat="{period}.{cell}"' in zh.text
    en = web.get("/supervisor?lang=en", headers={"cookie": boss.cookie}).text
    for label in ("FAQ bot", "Today", "Last 7 days", "Chats handled", "Answered", "Resolution rate",
                  "Handed to a person", "Rated helpful"):
        assert label in en, label
    assert "智能助手接待" not in en


# ---------------------------------------------------------------- in Chromium
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "bot-card", PASSWORD,
                     ("trainer", "赵老师", "trainer"), ("boss", "王主管", "supervisor"),
                     KEFU_ROUTING_AUTO="false") as server:
        with api_client(server.base, server.trainer) as http:
            for title in TITLES:
                assert http.post("/api/kb/articles", json=article_body(title)).status_code == 201
        yield server


def buyer_says(base: str, slug: str, *texts: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post(f"/api/widget/{slug}/session", json={}).json()["token"]
        for text in texts:
            assert http.post("/api/widget/messages", json={"text": text},
                             headers={"x-visitor-token": token}).status_code in (200, 201)


@in_chromium
def test_card_fills_in_and_follows_the_bot_live(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    watch = Watch()
    buyer_says(server.base, server.slug, "退货的运费是谁出呀")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = watch.page(browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}))
            log_in(page, server.base, server.boss, "/supervisor")

            def cell(key: str):
                return page.locator(f'[data-bot-stat="{key}"]')

            for period in ("today", "week"):
                expect(cell(f"{period}.conversations")).to_have_text("1")
                expect(cell(f"{period}.answered")).to_have_text("1")
                expect(cell(f"{period}.resolution_rate")).to_have_text("100%1/1 个会话")
                expect(cell(f"{period}.handoffs")).to_have_text("0")
                expect(cell(f"{period}.helpful_rate")).to_have_text("—暂无评价")
            # While the page is open a second buyer asks for a person: the card follows without a reload.
            buyer_says(server.base, server.slug, "转人工")
            expect(cell("today.handoffs")).to_have_text("1")
            expect(cell("today.conversations")).to_have_text("2")
            expect(cell("week.resolution_rate")).to_have_text("50%1/2 个会话")

            page.goto(f"{server.base}/supervisor?lang=en")
            expect(page.locator("#sv-bot h2")).to_have_text("FAQ bot")
            expect(cell("today.resolution_rate")).to_have_text("50%1 of 2 chats")
            expect(cell("today.helpful_rate")).to_have_text("—no ratings yet")
        finally:
            browser.close()
    watch.check()
