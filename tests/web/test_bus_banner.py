"""The supervisor view warns while cross-instance delivery is degraded (Redis down): a banner in the page, hidden
until the socket says so (bus-banner.js), in the page's language."""

from __future__ import annotations

import re

from tests.web.test_pages import STATIC


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


def test_the_supervisor_socket_shows_and_hides_the_banner_on_bus_frames():
    code = (STATIC / "js" / "supervisor.js").read_text()
    assert "busBanner(document.getElementById('bus-banner'))" in code and "onFrame: bus.onFrame" in code
    assert "this.call('onFrame', frame)" in (STATIC / "js" / "realtime.js").read_text()  # unknown frames reach it
