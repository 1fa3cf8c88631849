"""Schemathesis over the whole OpenAPI schema (issue #14 point 12), signed in as a shop's admin and signed out:
bounded examples per operation; no answer may be a 5xx, and every error answer has kefu's error shape (a code,
Chinese and English)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import delete

from kefu.agents.models import LoginThrottle
from kefu.selfservice.models import LookupCount

EXAMPLES = int(os.environ.get("KEFU_FUZZ_EXAMPLES", "3"))  # CI: 3 per operation; a deeper run: more
SKIP = {("POST", "/api/auth/logout")}  # would end the signed-in run's own session


def _check(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        err = response.json().get("error")
        assert isinstance(err, dict) and err.get("code") and err.get("zh") and err.get("en"), \
            f"{where}: error without kefu's shape: {response.text[:300]}"


def _fuzz(client, headers: dict[str, str]) -> int:
    schema = schemathesis.openapi.from_dict(client.app.openapi())
    calls = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in SKIP:
            continue

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            nonlocal calls
            kw = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
            kw.pop("cookies", None)
            response = client.request(**kw)
            calls += 1
            _check(response, f"{kw['method']} {kw['url']} {str(kw.get('json'))[:200]}")

        run()
    return calls


@pytest.fixture
def forget_failed_logins(world):
    """The fuzzer logs in with made-up names and looks tickets up: leave the shared test client's address with
    its login and lookup allowances whole for the other tests."""
    async def clear():
        async with world.db.transaction() as s:
            await s.execute(delete(LoginThrottle))
            await s.execute(delete(LookupCount))

    yield
    world.run(clear)


def test_signed_out_no_operation_answers_5xx(client, world, forget_failed_logins):
    client.cookies.clear()
    assert _fuzz(client, {}) > 150


def test_signed_in_as_admin_no_operation_answers_5xx(client, world, forget_failed_logins):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    buyer = world.buyer(shop)
    buyer.send("我的订单 202612010001 还没到")
    assert _fuzz(client, admin.headers()) > 150
