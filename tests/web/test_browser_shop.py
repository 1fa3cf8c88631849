"""A new shop from the README, in Debian's Chromium: `kefu shop add` gives it its own chat page (not the demo's
product page) whose buttons open the widget, and its starter kit lets the FAQ bot answer a first buyer."""

from __future__ import annotations

import os
import uuid

import pytest

from kefu.starter.articles import ARTICLES
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, kefu, needs_chromium, server_env, serving

pytestmark = needs_chromium
DELIVERY = next(a[4] for a in ARTICLES if a[2] == "发货后几天能到")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-shop")
    # Word matching only: the kit's embeddings would add seconds, and these questions need none.
    env = server_env(data, "browser-shop", KEFU_KB_EMBEDDINGS="0")
    slug = f"myshop-{uuid.uuid4().hex[:8]}"
    kefu(env, "shop", "add", slug, "阿福杂货铺", "--starter")
    with serving(env, data) as base:
        yield base, slug


def test_new_shop_page_opens_the_chat_and_the_starter_kit_answers(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base, slug = server
    expect.set_options(timeout=8000)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860}).new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/shop/{slug}")
            expect(page.locator("h1")).to_have_text("阿福杂货铺 · 在线客服")
            expect(page.locator(".shop-id strong")).to_have_text("阿福杂货铺")
            assert page.locator(".product, .review, .price").count() == 0  # none of the demo's product page
            expect(page.locator("#snippet")).to_contain_text(f'data-shop="{slug}"')

            page.locator(".chat-topics button", has_text="发货和物流").click()  # opens the widget
            chat = page.frame_locator("#kefu-widget iframe")
            chat.locator("#wg-input").fill("几天能到")
            chat.locator("#wg-input").press("Enter")
            expect(chat.locator(".msg--bot .msg-bubble").last).to_have_text(DELIVERY)
            if os.environ.get("KEFU_SCREENSHOTS"):
                page.screenshot(path=os.environ["KEFU_SCREENSHOTS"] + "/new-shop-page.png")

            english = browser.new_context(locale="en-US").new_page()
            english.on("pageerror", lambda e: errors.append(str(e)))
            english.goto(f"{base}/shop/{slug}?lang=en")
            expect(english.locator("h1")).to_have_text("阿福杂货铺 · Customer service")
            english.locator("#copy-snippet").click()
            expect(english.locator("#copy-snippet")).to_have_text("Copied ✓")
        finally:
            browser.close()
    assert errors == []
