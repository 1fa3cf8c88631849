"""The admin's audit log: admins of the shop only (plain agents and supervisors 403, another shop sees none of
our entries), newest first 50 a page, filters by action, who, the shop's days and free text, the CSV export of
the same (itself recorded), bad filters a clear 4xx; and the table refuses UPDATE and DELETE."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from kefu.agents.models import Agent
from kefu.audit import rules, service
from kefu.core.clock import clock
from tests.audit.helpers import entries, error, one


def seed(world, shop_id: int, agent, rows: list[tuple[datetime, str, str, dict]]) -> None:
    """Entries at given times (the clock set to each), as the services write them."""
    async def go():
        for at, action, target, detail in rows:
            clock.freeze(at)
            try:
                async with world.db.transaction() as s:
                    who = await s.get(Agent, agent.id)
                    await service.record(s, shop_id, who, action, target, detail, ip="203.0.113.7")
            finally:
                clock.unfreeze()

    world.run(go)


@pytest.fixture
def desk(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin", name="鹿店长")
    agent = world.agent(shop, name="小李")
    return shop, admin, agent


def test_only_the_shops_admins_read_the_log(world, desk, client):
    shop, admin, agent = desk
    boss = world.agent(shop, role="supervisor")
    for who in (agent, boss):
        error(who.get("/api/admin/audit"), 403, "role_forbidden")
        error(who.get("/api/admin/audit.csv"), 403, "role_forbidden")
        page = who.get("/admin/audit")
        assert page.status_code == 403 and "text/html" in page.headers["content-type"]
    assert client.get("/api/admin/audit").status_code == 401
    assert client.get("/admin/audit", follow_redirects=False).status_code == 303

    other_shop = world.shop()
    stranger = world.agent(other_shop, role="admin")
    got = stranger.get("/api/admin/audit").json()["entries"]
    assert got and {e["target"] for e in got} == {f"agent:{stranger.id}"}  # only their own login
    assert stranger.get(f"/api/admin/audit?agent_id={admin.id}").json()["entries"] == []
    assert stranger.get(f"/api/admin/audit?q=agent:{agent.id}").json()["entries"] == []
    ours = {e["id"] for e in admin.get("/api/admin/audit").json()["entries"]}
    assert ours and not ours & {e["id"] for e in got}
    exported = stranger.get("/api/admin/audit.csv").content.decode("utf-8-sig")
    assert admin.info["username"] not in exported and agent.info["username"] not in exported


def test_the_page_shows_filters_and_loads_its_module(desk):
    _shop, admin, _agent = desk
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    for piece in ('id="au-filters"', "/static/js/audit-admin.js", 'aria-current="page">审计日志', "小李（",
                  'value="settings.sla"', "导出 CSV"):
        assert piece in page.text, piece
    assert "<script>" not in page.text and "style=" not in page.text  # strict CSP
    assert "Audit log" in admin.get("/admin/audit?lang=en").text


def test_newest_first_fifty_a_page(world, desk):
    shop, admin, _agent = desk
    at = datetime(2026, 12, 1, 2, tzinfo=UTC)
    seed(world, shop.id, admin, [(at, "export.kb", f"kb:{i}", {"format": "csv"}) for i in range(57)])
    first = admin.get("/api/admin/audit?action=export.kb").json()
    assert len(first["entries"]) == rules.PAGE and first["tz"] == "Asia/Shanghai"
    assert [e["target"] for e in first["entries"][:2]] == ["kb:56", "kb:55"]
    e = first["entries"][0]
    assert (e["actor"], e["name"], e["ip"], e["agent_id"], e["detail"]) == (admin.info["username"], "鹿店长",
                                                                           "203.0.113.7", admin.id, {"format": "csv"})
    second = admin.get(f"/api/admin/audit?action=export.kb&before_id={first['next_before_id']}").json()
    assert [e["target"] for e in second["entries"]] == [f"kb:{i}" for i in range(6, -1, -1)]
    assert second["next_before_id"] is None


def test_filters_by_action_family_who_the_shops_days_and_text(world, desk):
    shop, admin, agent = desk
    seed(world, shop.id, admin, [
        (datetime(2026, 11, 6, 15, 59, tzinfo=UTC), "settings.sla", "shop", {"types": [["售后"], ["售后", "退款"]]}),
        (datetime(2026, 11, 6, 16, 0, tzinfo=UTC), "settings.orders", "shop", {"mode": ["builtin", "http"]}),
        (datetime(2026, 11, 7, 15, 59, tzinfo=UTC), "export.kb", "kb", {"format": "md"}),
        (datetime(2026, 11, 7, 16, 0, tzinfo=UTC), "agent.role_changed", "agent:77", {"role": ["agent", "senior"]}),
    ])
    seed(world, shop.id, agent, [(datetime(2026, 11, 7, 3, tzinfo=UTC), "order.verified", "order:2026110712345",
                                  {"ok": True})])

    def targets(query: str) -> list[str]:
        r = admin.get(f"/api/admin/audit?{query}")
        assert r.status_code == 200, r.text
        return [e["action"] for e in r.json()["entries"]]

    # 2026-11-07 in Shanghai runs from 11-06 16:00 to 11-07 16:00 UTC
    assert targets("since=2026-11-07&until=2026-11-07") == ["order.verified", "export.kb", "settings.orders"]  # by id
    assert targets("since=2026-11-08&until=2026-11-30") == ["agent.role_changed"]
    assert targets("until=2026-11-06&action=settings") == ["settings.sla"]
    assert targets("action=settings") == ["settings.orders", "settings.sla"]
    assert targets("action=settings.orders") == ["settings.orders"]
    assert targets(f"agent_id={agent.id}") == ["order.verified", "login"]
    assert targets("q=退款") == ["settings.sla"]  # Chinese inside a detail
    assert targets("q=AGENT:77") == ["agent.role_changed"]
    assert targets("q=senior&action=agent") == ["agent.role_changed"]
    assert targets("q=100%25") == []  # a % is text, not a wildcard
    assert targets("q=_") == []


@pytest.mark.parametrize(("query", "status", "code"), [
    ("since=2026-12-08&until=2026-12-07", 422, "bad_audit_range"),
    ("since=9999-01-01", 422, "invalid_request"),
    ("until=2026-13-01", 422, "invalid_request"),
    (f"agent_id={2**31}", 422, "invalid_request"),
    (f"before_id={2**63 + 5}", 422, "invalid_request"),
    ("before_id=0", 422, "invalid_request"),
    ("q=" + "长" * 101, 422, "invalid_request"),
    ("action=DROP TABLE", 422, "invalid_request"),
    ("action=" + "a" * 49, 422, "invalid_request"),
])
def test_bad_filters_are_a_clear_4xx(desk, query, status, code):
    _shop, admin, _agent = desk
    error(admin.get(f"/api/admin/audit?{query}"), status, code)
    if "before_id" not in query:  # the export has no pages
        error(admin.get(f"/api/admin/audit.csv?{query}"), status, code)


def test_the_csv_export_holds_the_filtered_entries_and_is_itself_recorded(world, desk):
    shop, admin, _agent = desk
    seed(world, shop.id, admin, [
        (datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC), "settings.sla", "shop", {"note": "=cmd|' /C calc'!A0"}),
        (datetime(2026, 12, 7, 2, tzinfo=UTC), "export.kb", "kb", {"format": "csv"}),
    ])
    r = admin.get("/api/admin/audit.csv?action=settings&since=2026-12-07")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    body = r.content.decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0] == ["时间", "操作人", "IP 地址", "操作", "对象", "详情"]
    assert lines[1][:5] == ["2026-12-07 09:02:03", f"鹿店长（{admin.info['username']}）", "203.0.113.7",
                            "修改 SLA 规则", "shop"]
    assert lines[1][5].startswith("{") and len(lines) == 2  # a formula inside JSON starts with {, never =
    row = one(world, shop.id, "export.audit")
    assert (row.agent_id, row.ip, row.target, row.detail) == (admin.id, "testclient", "audit",
                                                             {"action": "settings", "since": "2026-12-07"})
    en = list(csv.reader(io.StringIO(admin.get("/api/admin/audit.csv?lang=en&action=export")
                                     .content.decode("utf-8-sig"))))
    assert en[0][0] == "Time" and [line[3] for line in en[1:]] == ["Audit log exported", "Audit log exported",
                                                                    "Knowledge base exported"]


def test_the_export_is_capped(world, desk, monkeypatch):
    shop, admin, _agent = desk
    monkeypatch.setattr(rules, "EXPORT_CAP", 5)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    seed(world, shop.id, admin, [(at, "export.kb", f"kb:{i}", {}) for i in range(8)])
    lines = admin.get("/api/admin/audit.csv?action=export.kb").content.decode("utf-8-sig").strip().split("\r\n")
    assert len(lines) == 1 + 5


def test_the_table_refuses_updates_and_deletes(world, desk):
    shop, admin, _agent = desk
    entry = next(e for e in entries(world, shop.id, "login") if e.agent_id == admin.id)

    async def attempt(sql: str):
        async with world.db.transaction() as s:
            await s.execute(text(sql), {"id": entry.id})

    for sql in ("UPDATE audit_entries SET action = 'nothing' WHERE id = :id",
                "UPDATE audit_entries SET detail = '{}' WHERE id = :id",
                "UPDATE audit_entries SET agent_id = agent_id WHERE id = :id",
                "DELETE FROM audit_entries WHERE id = :id"):
        with pytest.raises(Exception, match="append-only"):
            world.run(attempt, sql)
    assert [e.action for e in entries(world, shop.id, "login") if e.id == entry.id] == ["login"]
    assert len(entries(world, shop.id)) >= 4
