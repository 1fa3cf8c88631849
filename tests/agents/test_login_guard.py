"""Guessing passwords: an account waits after 5 wrong ones in a row (1, 2, 4 … up to 30 minutes), an address
after 30 wrong logins in 15 minutes; an unknown name is answered exactly like a known one, with the same
password work; the admin can unlock a colleague; and argon2 runs off the event loop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from kefu.agents import rules
from kefu.agents.models import LoginThrottle
from tests.conftest import PASSWORD

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_address(world):
    """This file's failures come from the shared test client's address: start and leave it clean."""
    async def clear():
        async with world.db.transaction() as s:
            await s.execute(delete(LoginThrottle).where(LoginThrottle.key.like("ip:%")))

    world.run(clear)
    yield
    world.run(clear)


def _run(key: str, gaps_s: list[float]) -> list[timedelta | None]:
    """Failures at the given gaps; the lock each one leaves (None: none)."""
    failures, start, last, at, out = 0, None, None, T0, []
    for gap in gaps_s:
        at += timedelta(seconds=gap)
        failures, start, until = rules.count_failure(key, failures, start, last, at)
        last = at
        out.append(until - at if until else None)
    return out


@pytest.mark.parametrize(("gaps", "locks"), [
    ([0] * 4, [None] * 4),  # four wrong passwords: no wait yet
    ([0] * 5, [None] * 4 + [timedelta(minutes=1)]),
    ([0] * 10, [None] * 4 + [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30)]),
    ([0] * 12, [None] * 4 + [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30, 30, 30)]),  # capped
    ([0, 0, 0, 0, 25 * 3600], [None] * 5),  # a day later the old failures are forgotten
])
def test_account_lock_grows_with_each_failure(gaps, locks):
    assert _run("user:xiaoli", gaps) == locks


@pytest.mark.parametrize(("gaps", "locked_at"), [
    ([1] * 30, 30),  # 30 wrong logins within 15 minutes: the address waits 15 minutes
    ([1] * 29, None),
    ([1] * 20 + [16 * 60] + [1] * 20, None),  # a new 15-minute window starts over
])
def test_address_limit_per_window(gaps, locked_at):
    locks = _run("ip:203.0.113.9", gaps)
    first = next((i + 1 for i, lock in enumerate(locks) if lock), None)
    assert first == locked_at
    if locked_at:
        assert locks[locked_at - 1] == timedelta(minutes=15)


def _login(client, username, password=PASSWORD):
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    client.cookies.clear()
    return r


def test_five_wrong_passwords_lock_the_account_until_it_waits(world, client, frozen):
    agent = world.agent(world.shop(), login=False)
    codes = [_login(client, agent.username, "wrong-password").json()["error"]["code"] for _ in range(5)]
    assert codes == ["bad_credentials"] * 4 + ["login_locked"]
    locked = _login(client, agent.username)  # even the right password waits
    body = locked.json()["error"]
    assert locked.status_code == 429 and body["code"] == "login_locked" and 55 <= body["retry_after"] <= 60
    assert "1 分钟" in body["zh"] and "1 min" in body["en"]
    frozen.advance(seconds=61)
    assert _login(client, agent.username).status_code == 200
    # a success forgets the account's failures: four more wrong ones do not lock it
    assert [_login(client, agent.username, "nope-nope-1").status_code for _ in range(4)] == [401] * 4
    assert _login(client, agent.username).status_code == 200


def test_an_unknown_name_is_answered_like_a_known_one(world, client, frozen, monkeypatch):
    from kefu.core import security

    checked: list[str] = []
    real = security.verify_password
    monkeypatch.setattr(security, "verify_password",
                        lambda h, p: checked.append(threading.current_thread().name) or real(h, p))
    agent = world.agent(world.shop(), login=False)
    for name in (agent.username, "nobody-" + agent.username):
        answers = [_login(client, name, "wrong-password") for _ in range(6)]
        assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == \
            [(401, "bad_credentials")] * 4 + [(429, "login_locked")] * 2
        assert answers[4].json()["error"]["zh"] == answers[5].json()["error"]["zh"]
    # argon2 ran for every answer that was not refused up front — for the unknown name too — and never on the
    # event loop's thread
    assert len(checked) == 10 and all(name.startswith("kefu-argon2") for name in checked)


def test_one_address_guessing_many_names_is_stopped(world, client, frozen):
    shop = world.shop()
    victim = world.agent(shop, login=False)
    for i in range(30):
        r = _login(client, f"guess-{i}", "wrong-password")
    assert r.status_code == 429 and r.json()["error"]["retry_after"] > 14 * 60
    assert _login(client, victim.username).status_code == 429  # from this address, nobody for now
    frozen.advance(minutes=16)
    assert _login(client, victim.username).status_code == 200


def test_the_admin_unlocks_a_colleague(world, client, frozen):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    colleague = world.agent(shop, login=False)
    plain = world.agent(shop)
    for _ in range(5):
        _login(client, colleague.username, "wrong-password")
    unlock_form = f'action="/admin/agents/{colleague.id}/unlock"'
    assert unlock_form in admin.get("/admin/agents").text
    assert plain.post(f"/api/agents/{colleague.id}/unlock").status_code == 403
    other_shop_admin = world.agent(world.shop(), role="admin")
    assert other_shop_admin.post(f"/api/agents/{colleague.id}/unlock").status_code == 404
    assert _login(client, colleague.username).status_code == 429
    r = admin.post(f"/api/agents/{colleague.id}/unlock")
    assert r.status_code == 200
    assert _login(client, colleague.username).status_code == 200
    assert unlock_form not in admin.get("/admin/agents").text
    assert admin.post("/api/agents/99999999999/unlock").status_code == 422


def test_the_unlock_button_on_the_team_page(world, client, frozen):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    colleague = world.agent(shop, login=False)
    for _ in range(5):
        _login(client, colleague.username, "wrong-password")
    r = client.post(f"/admin/agents/{colleague.id}/unlock", data={"csrf_token": admin.csrf},
                    headers={"cookie": admin.cookie}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/agents"
    assert _login(client, colleague.username).status_code == 200
    forged = client.post(f"/admin/agents/{colleague.id}/unlock", data={"csrf_token": "x" * 64},
                         headers={"cookie": admin.cookie}, follow_redirects=False)
    assert forged.status_code == 403
