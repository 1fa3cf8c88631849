"""Every page carries a strict CSP (no 'unsafe-inline') and nosniff; staff pages cannot be framed; the buyer widget
may be framed only by the sites the shop's admin allows (any while none are listed); behind TLS, HSTS and
Secure cookies (issue #14 point 8)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kefu.app import create_app

STAFF_PAGES = ("/agent", "/supervisor", "/tickets", "/kb", "/admin/agents", "/admin/shop", "/admin/sla",
               "/admin/orders", "/admin/aftersales", "/admin/compensation", "/admin/notifications")


def csp(r) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in r.headers["content-security-policy"].split(";")}


def test_staff_pages_have_a_strict_policy_and_cannot_be_framed(world):
    admin = world.agent(world.shop(), role="admin")
    for url in STAFF_PAGES:
        r = admin.get(url)
        assert r.status_code == 200, url
        policy = csp(r)
        assert "unsafe-inline" not in r.headers["content-security-policy"], url
        assert policy["script-src"] == "script-src 'self'" and policy["style-src"] == "style-src 'self'", url
        assert policy["frame-ancestors"] == "frame-ancestors 'none'" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "same-origin"
        assert 'style="' not in r.text, url  # a style attribute would be refused by the policy
    login = world.client.get("/agent/login")
    assert csp(login)["frame-ancestors"] == "frame-ancestors 'none'"
    assert world.client.get("/api/me").headers["x-content-type-options"] == "nosniff"  # JSON too


def test_the_widget_is_framed_only_where_the_admin_allows(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    widget = world.client.get(f"/widget/{shop.slug}")
    assert csp(widget)["frame-ancestors"] == "frame-ancestors *" and "x-frame-options" not in widget.headers
    assert "unsafe-inline" not in widget.headers["content-security-policy"]
    form = {"csrf_token": admin.csrf, "origins": "https://Shop.Example.com/\nhttps://*.taobao.com\n"}
    r = world.client.post("/admin/shop", data=form, headers={"cookie": admin.cookie}, follow_redirects=False)
    assert r.status_code == 303
    page = admin.get("/admin/shop").text
    assert "https://shop.example.com\nhttps://*.taobao.com" in page
    widget = world.client.get(f"/widget/{shop.slug}")
    assert csp(widget)["frame-ancestors"] == "frame-ancestors 'self' https://shop.example.com https://*.taobao.com"
    bad = world.client.post("/admin/shop", data={**form, "origins": "https://ok.example.com\nshop.example.com"},
                            headers={"cookie": admin.cookie}, follow_redirects=False)
    assert bad.status_code == 422 and "第 2 行" in bad.text
    assert "frame-ancestors 'self' https://shop.example.com" in \
        world.client.get(f"/widget/{shop.slug}").headers["content-security-policy"]  # nothing saved
    agent = world.agent(shop)
    refused = world.client.post("/admin/shop", data={"csrf_token": agent.csrf, "origins": ""},
                                headers={"cookie": agent.cookie}, follow_redirects=False)
    assert refused.status_code in (302, 303, 403) and "frame-ancestors 'self'" in \
        world.client.get(f"/widget/{shop.slug}").headers["content-security-policy"]


@pytest.fixture
def tls_client(settings):
    with TestClient(create_app(settings.model_copy(update={"public_url": "https://kefu.example.com"}))) as c:
        yield c


def test_behind_tls_cookies_are_secure_and_browsers_stay_on_https(tls_client, world):
    from tests.conftest import PASSWORD

    shop = world.shop()
    agent = world.agent(shop, login=False)
    r = tls_client.post("/api/auth/login", json={"username": agent.username, "password": PASSWORD})
    assert r.status_code == 200
    assert "secure" in r.headers["set-cookie"].lower()
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    plain = world.client.post("/api/auth/login", json={"username": agent.username, "password": PASSWORD})
    world.client.cookies.clear()
    assert "secure" not in plain.headers["set-cookie"].lower() and "strict-transport-security" not in plain.headers
