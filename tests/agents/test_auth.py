"""Logins, sessions, CSRF and role checks on every agent endpoint."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


def test_password_is_stored_as_argon2_hash(world):
    from sqlalchemy import select

    from kefu.agents.models import Agent

    shop = world.shop()
    agent = world.agent(shop, login=False)

    async def stored():
        async with world.db.transaction() as s:
            return await s.scalar(select(Agent.password_hash).where(Agent.id == agent.id))

    assert world.run(stored).startswith("$argon2")


def test_login_sets_httponly_samesite_cookie_and_wrong_password_is_401(world, client):
    shop = world.shop()
    agent = world.agent(shop, login=False)
    bad = client.post("/api/auth/login", json={"username": agent.username, "password": "nope-nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_credentials"
    ok = client.post("/api/auth/login", json={"username": agent.username, "password": PASSWORD})
    client.cookies.clear()
    cookie = ok.headers["set-cookie"].lower()
    assert ok.status_code == 200 and "httponly" in cookie and "samesite=lax" in cookie
    assert ok.json()["agent"]["presence"] == "online"


def test_logout_ends_the_session(world):
    shop = world.shop()
    agent = world.agent(shop)
    assert agent.get("/api/me").status_code == 200
    assert agent.post("/api/auth/logout").status_code == 200
    assert agent.get("/api/me").status_code == 401


def test_state_changing_call_without_csrf_header_is_refused(world, client):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("你好").json()["conversation_id"]
    r = client.post(f"/api/conversations/{conv_id}/take", headers={"cookie": agent.cookie})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    r = client.post(f"/api/conversations/{conv_id}/take",
                    headers={"cookie": agent.cookie, "x-csrf-token": "forged" * 8})
    assert r.status_code == 403
    assert agent.post(f"/api/conversations/{conv_id}/take").status_code == 200


@pytest.mark.parametrize("url", ["/api/me", "/api/conversations", "/api/events", "/api/agents",
                                 "/api/supervisor/overview"])
def test_agent_endpoints_need_a_login(client, url):
    r = client.get(url)
    assert r.status_code == 401 and r.json()["error"]["zh"]


def test_roles_are_checked(world):
    shop = world.shop()
    agent = world.agent(shop, role="agent")
    sup = world.agent(shop, role="supervisor", group="售后")
    admin = world.agent(shop, role="admin")
    assert agent.get("/api/supervisor/overview").status_code == 403
    assert agent.get("/api/agents").status_code == 403
    assert sup.get("/api/supervisor/overview").status_code == 200
    new = {"username": "newbie01", "password": "long-enough-pw", "display_name": "新人", "group": "售后",
           "skills": "退款, 物流"}
    assert agent.post("/api/agents", new).status_code == 403
    assert sup.post("/api/agents", new).status_code == 403
    r = admin.post("/api/agents", new)
    assert r.status_code == 201, r.text
    assert r.json()["agent"]["skills"] == ["退款", "物流"] and r.json()["agent"]["group"] == "售后"
    names = {a["username"] for a in sup.get("/api/agents").json()["agents"]}
    assert "newbie01" in names
    assert admin.post("/api/agents", new).status_code == 409


@pytest.mark.parametrize("patch,code", [({"password": "short"}, "weak_password"),
                                        ({"role": "boss"}, "bad_role"),
                                        ({"group": "财务"}, "bad_group"),
                                        ({"username": "Bad Name!"}, "bad_username")])
def test_bad_agent_input_is_a_clear_422(world, patch, code):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    body = {"username": f"ok{abs(hash(code)) % 10000}", "password": "long-enough-pw", **patch}
    r = admin.post("/api/agents", body)
    assert r.status_code == 422 and r.json()["error"]["code"] == code and r.json()["error"]["en"]


def test_presence_changes_and_is_validated(world):
    shop = world.shop()
    agent = world.agent(shop)
    assert agent.put("/api/me/presence", {"presence": "away"}).json()["agent"]["presence"] == "away"
    r = agent.put("/api/me/presence", {"presence": "sleeping"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_presence"
