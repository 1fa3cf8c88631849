"""The weekly root-cause report of the error ledger: one ISO week of the shop's entries (Monday to Sunday in
Beijing time) by root cause, department and type, with counts and examples — as JSON, as a CSV Excel reads
(UTF-8 with a BOM) and as a page for supervisors; and the ledger's panels are on the pages."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.ledger.test_api import run_timers

SH = ZoneInfo("Asia/Shanghai")


def at(m, d, hh, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SH)


def log(world, frozen, username: str, when: datetime, title: str, **body) -> dict:
    """At ``when``: a new ticket and an entry on it (a fresh login: the clock jumps days)."""
    frozen.freeze(when)
    agent = world.login(username)
    number = agent.post("/api/tickets", {"kind": "售后", "title": title}).json()["ticket"]["number"]
    r = agent.post("/api/ledger", {"ticket": number, "description": title, **body})
    assert r.status_code == 201, r.text
    return r.json()["entry"]


def test_the_weekly_report_counts_one_iso_week_by_cause_and_department(world, frozen):
    frozen.freeze(at(11, 29, 9))
    shop = world.shop()
    boss = world.agent(shop, role="supervisor", name="王主管")
    name = boss.info["username"]
    stranger = world.agent(world.shop(), role="supervisor")
    log(world, frozen, name, at(11, 29, 23, 30), "上周日的错发", kind="wrong_shipment")  # week 48
    log(world, frozen, name, at(11, 30, 0, 10), "少发了一双袜子", kind="wrong_shipment")
    resolved = log(world, frozen, name, at(12, 1, 10), "发成了 M 码", kind="wrong_shipment")
    log(world, frozen, name, at(12, 2, 10), "退款审核漏了三天", kind="refund_delay")
    log(world, frozen, name, at(12, 3, 15), "地址改了没同步给仓库", kind="wrong_processing", department="客服",
        cause="沟通失误")
    log(world, frozen, name, at(12, 6, 23, 30), "外箱破损", kind="other", department="包装供应商")
    log(world, frozen, name, at(12, 7, 0, 30), "下周一的错发", kind="wrong_shipment")  # week 50 in Beijing
    frozen.freeze(at(12, 2, 9))
    assert world.login(name).post(f"/api/ledger/{resolved['id']}/resolve").status_code == 200
    frozen.freeze(at(12, 7, 1))
    run_timers(world)  # every open entry of week 49 but Sunday's missed its update once
    boss = world.login(name)

    r = boss.get("/api/ledger/report")  # by default the last complete week, as the weekly ticket review
    assert r.status_code == 200, r.text
    report = r.json()
    assert boss.get("/api/ledger/report?week=2026w49").json() == report  # written like the review accepts it
    assert (report["week"], report["first_day"], report["last_day"]) == ("2026-W49", "2026-11-30", "2026-12-06")
    assert (report["previous"], report["next"]) == ("2026-W48", "2026-W50")
    assert (report["total"], report["resolved"], report["missed"]) == (5, 1, 3)
    assert [(x["name"], x["count"], x["resolved"]) for x in report["by_cause"]] == [
        ("拣货错误", 2, 1), ("其他", 1, 0), ("沟通失误", 1, 0), ("流程缺失", 1, 0)]
    assert [(x["name"], x["count"]) for x in report["by_department"]] == [
        ("仓储", 2), ("包装供应商", 1), ("客服", 1), ("财务", 1)]
    assert [x["description"] for x in report["by_cause"][0]["examples"]] == ["少发了一双袜子", "发成了 M 码"]
    assert report["by_kind"][0] == {**report["by_kind"][0], "name": "wrong_shipment", "count": 2}
    stranger = world.login(stranger.info["username"])
    assert stranger.get("/api/ledger/report?week=2026-W49").json()["total"] == 0  # another shop's report

    r = boss.get("/api/ledger/report.csv?week=2026-W49")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="ledger-2026-W49.csv"' in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel shows the Chinese right
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["周", "维度", "名称", "数量"] and len(table) == 1 + 4 + 4 + 4
    assert table[1][:5] == ["2026-W49", "根因", "拣货错误", "2", "1"] and "发成了 M 码" in table[1][6]
    assert ["2026-W49", "责任部门", "包装供应商", "1"] in [row[:4] for row in table]
    english = boss.get("/api/ledger/report.csv?week=2026-W49&lang=en").content.decode("utf-8-sig")
    assert english.startswith("Week,Dimension,Name,Count") and "Picking error" in english

    page = boss.get("/ledger/report?week=2026-W49")
    assert page.status_code == 200
    assert "失误根因周报" in page.text and "2026-W49（2026-11-30 至 2026-12-06）" in page.text
    assert 'href="/ledger/report?week=2026-W48"' in page.text and 'href="/ledger/report?week=2026-W50"' in page.text
    assert 'id="lg-total">5<' in page.text and "包装供应商" in page.text and "少发了一双袜子" in page.text
    assert 'href="/api/ledger/report.csv?week=2026-W49&amp;lang=zh"' in page.text
    assert "Picking error" in boss.get("/ledger/report?week=2026-W49&lang=en").text


def test_the_report_is_for_supervisors_and_a_bad_week_is_a_clear_error(world, frozen):
    frozen.freeze(at(12, 7, 9))
    shop = world.shop()
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor")
    for url in ("/api/ledger/report", "/api/ledger/report.csv", "/ledger/report"):
        assert agent.get(url).status_code == 403
    r = boss.get("/api/ledger/report?week=2026-W60")
    assert r.status_code == 422 and r.json()["error"]["zh"] and r.json()["error"]["en"]
    assert boss.get("/api/ledger/report.csv?week=soon").status_code == 422
    page = boss.get("/ledger/report?week=2025-W53")
    assert page.status_code == 422 and "2025 年没有第 53 周" in page.text
    assert 'href="/ledger/report">查看上一个完整周<' in page.text
    r = boss.get("/api/ledger/report?week=2026-W51")  # a week that has not started: refused, like the review
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "bad_week"
    assert (err["zh"], err["en"]) == ("2026-W51 还没有开始", "2026-W51 has not started yet")
    running = boss.get("/api/ledger/report?week=2026-W50").json()  # this week so far: no link to the next
    assert (running["week"], running["previous"], running["next"]) == ("2026-W50", "2026-W49", None)
    page = boss.get("/ledger/report?week=2026-W50").text
    assert 'id="lg-prev"' in page and 'id="lg-next"' not in page
    world.client.cookies.clear()
    r = world.client.get("/ledger/report", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/agent/login")


def test_the_panels_are_on_the_ticket_page_and_the_supervisor_view(world):
    shop = world.shop()
    agent = world.agent(shop)
    boss = world.agent(shop, role="supervisor")
    tickets = agent.get("/tickets").text
    assert 'id="lg-panel"' in tickets and "/static/js/ledger-panel.js" in tickets
    supervisor = boss.get("/supervisor").text
    assert 'id="sv-ledger"' in supervisor and 'href="/ledger/report"' in supervisor
    assert "/static/js/sv-ledger.js" in supervisor
