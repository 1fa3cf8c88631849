"""The supervisor view warns while cross-instance delivery is degraded (Redis down): a banner in the page, hidden
until the socket says so (bus-banner.js), in the page's language."""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace

import pytest

from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, in_chromium, kefu_each, server_env, serving
from tests.web.test_browser_routing import PASSWORD, log_in, watch


def banner(page: str) -> str:
    match = re.search(r'<div id="bus-banner" class="alert alert--warn bus-banner" role="alert" hidden>(.*?)</div>',
                      page, re.S)
    assert match, "no hidden bus banner in the page"
    return " ".join(match.group(1).split())


def test_supervisor_page_has_the_redis_down_banner_hidden_in_both_languages(client, world):
    shop = world.shop()
    boss = world.agent(shop, role="supervisor")
    zh = banner(boss.get("/supervisor").text)
    assert "实时同步降级" in zh and "Redis 不可用，跨实例消息改为轮询，可能延迟几秒" in zh
    en = banner(boss.get("/supervisor?lang=en").text)
    assert "Live sync degraded" in en and "may arrive a few seconds late" in en


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The routing tests' server (same settings: the same process), with a shop and a supervisor of ours."""
    data = tmp_path_factory.mktemp("bus-banner")
    env = server_env(data, "routing-test")
    tag = uuid.uuid4().hex[:6]
    names = SimpleNamespace(shop=f"bus-{tag}", boss=f"boss-{tag}")
    kefu_each(env, ("shop", "add", names.shop, "小鹿优选"),
              ("agent", "add", names.boss, "--shop", names.shop, "--password", PASSWORD, "--name", "王主管",
               "--role", "supervisor"))
    with serving(env, data) as base:
        yield SimpleNamespace(base=base, **vars(names))


@in_chromium
def test_the_banner_follows_what_the_supervisor_socket_is_told(server):
    """The server's bus frames are injected into the real socket (Playwright routes it through itself)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=8000)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN").new_page()
        watch(page, "supervisor", errors)
        sockets = []
        page.route_web_socket(re.compile(r"/ws/agent"), lambda ws: (ws.connect_to_server(), sockets.append(ws)))
        log_in(page, server.base, server.boss)
        page.goto(f"{server.base}/supervisor")
        expect(page.locator("#conn")).to_have_text("实时连接正常")
        banner = page.locator("#bus-banner")
        expect(banner).to_be_hidden()
        sockets[-1].send(json.dumps({"type": "bus", "state": "degraded"}))
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("实时同步降级")
        sockets[-1].send(json.dumps({"type": "bus", "state": "live"}))
        expect(banner).to_be_hidden()
        browser.close()
    assert not errors, errors
