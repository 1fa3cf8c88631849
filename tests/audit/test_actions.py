"""Every audited action leaves exactly one entry with who, from where (the test client's address is
"testclient"), what and to what — and never the password, token, digits or secret involved."""

from __future__ import annotations

import pytest

from kefu.agents import rules as agent_rules
from tests.audit.helpers import clear_addresses, entries, last_id, one
from tests.conftest import PASSWORD
from tests.orders.helpers import Shop, order

IP = "testclient"


@pytest.fixture(autouse=True)
def clean_address(world):
    clear_addresses(world)
    yield
    clear_addresses(world)


def _login(client, username, password):
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    client.cookies.clear()
    return r


def test_a_login_and_a_wrong_password_are_recorded_with_who_and_where(world, client):
    shop = world.shop()
    agent = world.agent(shop, login=False)
    assert _login(client, agent.username, PASSWORD).status_code == 200
    ok = one(world, shop.id, "login")
    assert (ok.agent_id, ok.actor, ok.ip, ok.target) == (agent.id, agent.username, IP, f"agent:{agent.id}")
    assert _login(client, agent.username, "wrong-horse-9").status_code == 401
    bad = one(world, shop.id, "login_failed")
    assert (bad.agent_id, bad.actor, bad.ip, bad.detail) == (agent.id, agent.username, IP, {"reason": "bad_password"})
    assert "wrong-horse-9" not in str(bad.detail) and PASSWORD not in str(ok.detail)


def test_a_failed_login_under_an_unknown_name_belongs_to_no_shop_and_keeps_no_name(world, client):
    before = last_id(world)
    assert _login(client, "nobody-here-7788", "my-secret-pass").status_code == 401
    row = [r for r in entries(world, None, "login_failed", before) if r.ip == IP][-1]
    assert (row.shop_id, row.agent_id, row.actor, row.detail) == (None, None, "unknown", {"reason": "unknown_user"})
    assert "nobody-here-7788" not in f"{row.target}{row.detail}" and "my-secret-pass" not in str(row.detail)


def test_a_locked_out_login_is_recorded_once_a_minute_and_a_disabled_account_says_so(world, client, frozen):
    shop = world.shop()
    agent = world.agent(shop, login=False)
    for _ in range(agent_rules.ACCOUNT_FREE_FAILURES):
        _login(client, agent.username, "wrong-horse-9")
    assert len(entries(world, shop.id, "login_failed")) == agent_rules.ACCOUNT_FREE_FAILURES
    for _ in range(3):  # refused without a look at the password: one entry, not three
        assert _login(client, agent.username, PASSWORD).status_code == 429
    locked = [r for r in entries(world, shop.id, "login_failed") if r.detail == {"reason": "locked"}]
    assert len(locked) == 1 and locked[0].agent_id == agent.id and locked[0].ip == IP
    frozen.advance(minutes=2)
    _login(client, agent.username, "still-wrong-1")  # the lock has run out: a wrong password again
    assert entries(world, shop.id, "login_failed")[-1].detail == {"reason": "bad_password"}

    other = world.agent(shop, login=False)
    admin = world.agent(shop, role="admin")
    assert admin.patch(f"/api/agents/{other.id}", {"active": False}).status_code == 200
    assert _login(client, other.username, PASSWORD).status_code == 401
    assert [r.detail for r in entries(world, shop.id, "login_failed") if r.agent_id == other.id] == [
        {"reason": "disabled"}]


def test_account_changes_are_recorded_with_the_admin_as_who(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    assert one(world, shop.id, "agent.created").actor == "system"  # made outside any request (as by the CLI)
    before = last_id(world)
    r = admin.post("/api/agents", {"username": "xiaowang-audit", "password": "pass-word-123", "display_name": "小王"})
    assert r.status_code == 201, r.text
    new_id = r.json()["agent"]["id"] if "agent" in r.json() else r.json()["id"]
    created = one(world, shop.id, "agent.created", before)
    assert (created.agent_id, created.actor, created.ip, created.target) == (admin.id, admin.info["username"], IP,
                                                                            f"agent:{new_id}")
    assert created.detail["username"] == "xiaowang-audit" and "pass-word-123" not in str(created.detail)
    assert admin.patch(f"/api/agents/{new_id}", {"role": "senior"}).status_code == 200
    assert one(world, shop.id, "agent.role_changed").detail == {"username": "xiaowang-audit",
                                                                "role": ["agent", "senior"]}
    admin.patch(f"/api/agents/{new_id}", {"role": "senior"})  # no change: no entry
    assert len(entries(world, shop.id, "agent.role_changed")) == 1
    assert admin.patch(f"/api/agents/{new_id}", {"active": False}).status_code == 200
    assert admin.patch(f"/api/agents/{new_id}", {"active": True}).status_code == 200
    for action in ("agent.disabled", "agent.enabled"):
        row = one(world, shop.id, action)
        assert (row.agent_id, row.target, row.ip) == (admin.id, f"agent:{new_id}", IP)
    assert admin.post(f"/api/agents/{new_id}/unlock").status_code == 200
    assert one(world, shop.id, "agent.unlocked").target == f"agent:{new_id}"
    # a refused change leaves nothing
    assert admin.patch(f"/api/agents/{admin.id}", {"role": "agent"}).status_code == 409
    assert len(entries(world, shop.id, "agent.role_changed")) == 1


def test_settings_changes_are_recorded_without_secrets(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")

    sla = admin.get("/api/sla/settings").json()
    sla["types"] = [*sla["types"], "审计测试"]
    assert admin.put("/api/sla/settings", sla).status_code == 200
    row = one(world, shop.id, "settings.sla")
    assert (row.agent_id, row.ip, row.target) == (admin.id, IP, "shop") and "types" in row.detail

    assert admin.put("/api/aftersales/policy", {"policy": {"no_reason_days": 15}}).status_code == 200
    row = one(world, shop.id, "settings.aftersale_policy")
    assert row.detail["version"] == 1 and row.detail["no_reason_days"][1] == 15

    limits = admin.get("/api/admin/compensation/limits").json()["limits"]
    limits["roles"]["agent"]["per_case_fen"] = 1500
    assert admin.put("/api/admin/compensation/limits", limits).status_code == 200, "limits"
    row = one(world, shop.id, "settings.compensation_limits")
    assert row.detail["agent"][1]["per_case_fen"] == 1500 and list(row.detail) == ["agent"]

    r = admin.put("/api/admin/orders/settings", {"mode": "http", "base_url": "https://erp.example.com/api",
                                                 "token": "tok-very-secret-42"})
    assert r.status_code == 200, r.text
    row = one(world, shop.id, "settings.orders")
    assert row.detail["mode"] == ["builtin", "http"] and row.detail["token_set"] == [False, True]
    assert "tok-very-secret-42" not in str(row.detail)

    hook = admin.post("/api/admin/notifications/webhooks", {
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-key-123",
        "secret": "signing-secret-for-erp-1"})
    assert hook.status_code == 201, hook.text
    hook_id = hook.json()["webhook"]["id"]
    assert admin.put("/api/admin/notifications/alert-emails", {"emails": ["ops@shop.example"]}).status_code == 200
    assert admin.client.delete(f"/api/admin/notifications/webhooks/{hook_id}",
                               headers=admin.headers()).status_code == 200
    rows = entries(world, shop.id, "settings.notifications")
    assert [(r.target, r.agent_id, r.ip) for r in rows] == [
        (f"webhook:{hook_id}", admin.id, IP), ("shop", admin.id, IP), (f"webhook:{hook_id}", admin.id, IP)]
    assert rows[0].detail == {"webhook": "added", "site": "https://qyapi.weixin.qq.com", "signed": True}
    assert rows[1].detail == {"alert_emails": [[], ["ops@shop.example"]]}
    assert rows[2].detail == {"webhook": "removed"}
    assert not any(s in str(r.detail) for r in rows for s in ("wecom-key-123", "signing-secret-for-erp-1"))

    r = admin.client.post("/admin/shop", data={"origins": "https://shop.example.com", "csrf_token": admin.csrf},
                          headers={"cookie": admin.cookie}, follow_redirects=False)
    assert r.status_code == 303, r.text
    row = one(world, shop.id, "settings.embed_origins")
    assert row.detail == {"origins": [[], ["https://shop.example.com"]]} and row.ip == IP

    assert admin.put("/api/aftersales/policy", {"policy": {"no_reason_days": -1}}).status_code == 422
    assert len(entries(world, shop.id, "settings.aftersale_policy")) == 1  # refused: nothing recorded


def test_exports_are_recorded(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    assert admin.get("/api/kb/export?format=jsonl").status_code == 200
    row = one(world, shop.id, "export.kb")
    assert (row.agent_id, row.ip, row.target, row.detail) == (admin.id, IP, "kb", {"format": "jsonl"})
    assert admin.get("/api/analytics/weekly.csv?week=2026-W23&part=summary").status_code == 200
    row = one(world, shop.id, "export.review")
    assert (row.target, row.detail) == ("week:2026-W23", {"part": "summary"})
    assert admin.get("/api/ledger/report.csv?week=2026-W23&lang=en").status_code == 200
    row = one(world, shop.id, "export.ledger")
    assert (row.target, row.detail, row.ip) == ("week:2026-W23", {"lang": "en"}, IP)


def test_an_identity_check_records_the_order_and_the_outcome_never_the_digits(world):
    w = Shop(world)
    b = w.buyer("订单 2026120700000777 到哪了")
    w.put(order("2026120700000777", buyer_ref="member-1", buyer_phone="13900005678"), expect=201)
    for last4 in ("1234", "5678"):
        r = w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "order_number": "2026120700000777",
                                                "last4": last4})
        assert r.status_code == 200, r.text
    rows = entries(world, w.shop.id, "order.verified")
    assert [(r.target, r.detail["ok"], r.agent_id, r.ip) for r in rows] == [
        ("order:2026120700000777", False, w.agent.id, IP), ("order:2026120700000777", True, w.agent.id, IP)]
    assert not any(d in f"{r.target}{r.detail}" for r in rows for d in ("1234", "5678", "13900005678"))
