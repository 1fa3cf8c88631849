"""Every id, number and time an endpoint takes is bounded at the edge (issue #14 point 4): walked over the whole
OpenAPI schema, so a new endpoint cannot forget; and the values the fuzzer found still answer with a clear 4xx."""

from __future__ import annotations

import pytest

from kefu.core.validation import MAX_POSITION


def _offenders(spec: dict) -> list[str]:
    comps = spec.get("components", {}).get("schemas", {})
    out: list[str] = []

    def walk(s, where: str, seen: tuple = ()) -> None:
        if not isinstance(s, dict):
            return
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(comps[name], f"{where}->{name}", (*seen, name))
            return
        if s.get("type") == "integer" and not s.get("maximum", MAX_POSITION + 1) <= MAX_POSITION:
            out.append(f"{where}: integer without a bound")
        if s.get("format") == "date-time" and not s.get("x-aware"):
            out.append(f"{where}: time without a checked zone (use kefu.core.validation.When)")
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in s.get(key, []):
                walk(sub, where, seen)
        for name, sub in (s.get("properties") or {}).items():
            walk(sub, f"{where}.{name}", seen)
        walk(s.get("items"), f"{where}[]", seen)

    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                walk(p.get("schema", {}), f"{method.upper()} {path} {p['in']}:{p['name']}")
            for content in op.get("requestBody", {}).get("content", {}).values():
                walk(content.get("schema", {}), f"{method.upper()} {path} body")
    return out


def test_every_number_and_time_in_the_api_is_bounded(client):
    assert _offenders(client.app.openapi()) == []


BIG = 2**63 + 5


@pytest.mark.parametrize("url", [f"/api/conversations/{BIG}", f"/api/conversations/{2**31}",
                                 f"/api/kb/articles/{BIG}", f"/api/events?after={BIG}",
                                 f"/api/kb/suggest?conversation_id={BIG}", "/api/routing/stats?hours=99999999999"])
def test_huge_numbers_in_paths_and_queries_are_422(world, url):
    boss = world.agent(world.shop(), role="supervisor")
    r = boss.get(url)
    assert r.status_code == 422, (url, r.status_code, r.text[:200])
    assert r.json()["error"]["code"] == "invalid_request"


def test_huge_numbers_and_naive_times_in_bodies_are_422(world):
    shop = world.shop()
    boss = world.agent(shop, role="admin")
    buyer = world.buyer(shop)
    conv_id = buyer.send("在吗").json()["conversation_id"]
    assert boss.post(f"/api/conversations/{conv_id}/read", {"seq": BIG}).status_code == 422
    assert boss.post(f"/api/conversations/{conv_id}/assign", {"agent_id": BIG}).status_code == 422
    article = {"title": "退货运费谁出", "answer": "<p>看原因</p>"}
    for valid in ({"valid_from": "2026-12-01T00:00:00", "valid_to": "2026-12-31T00:00:00+08:00"},
                  {"valid_from": "9999-01-01T00:00:00+08:00"}, {"owner_id": BIG}, {"expected_version": BIG}):
        r = boss.post("/api/kb/articles", {**article, **valid})
        assert r.status_code == 422, (valid, r.text[:200])
    ok = boss.post("/api/kb/articles", {**article, "valid_from": "2026-12-01T00:00:00+08:00"})
    assert ok.status_code == 201
    assert boss.get("/api/kb/bot/stats", params={"since": "9999-12-01T00:00:00+08:00"}).status_code == 422
    assert boss.get("/api/kb/bot/stats", params={"since": "2026-12-01T00:00:00"}).status_code == 200  # UTC
    assert boss.get("/api/kb/bot/stats", params={"since": "2026-12-01T00:00:00+08:00"}).status_code == 200
