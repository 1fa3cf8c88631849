"""The weekly review over the app, on a frozen clock: tickets opened and moved through the tickets REST API across
the days of 2026-W23 (Monday 1 – Sunday 7 June, Beijing time), SLA timers run when they fall due, then the
review read as JSON, CSV and the page; bad weeks and agents are refused."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
LINE = "订单号 202606010398 的快递三天没动了，我要退款"


def at(month: int, day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=SH)


def _run_timers(world) -> None:
    from kefu.core.scheduler import run_due
    from kefu.sla.service import BREACH_TIMER, WARN_TIMER

    world.run(lambda: run_due(world.db, limit=10_000, kinds={WARN_TIMER, BREACH_TIMER}))


@pytest.fixture
def week(world, frozen):
    """A week of an after-sale shop, played through the API (see each step's comment)."""
    shop = world.shop()
    staff = {"boss": world.agent(shop, role="supervisor", group="售后", name="王主管"),
             "wang": world.agent(shop, group="售后", name="小王"), "li": world.agent(shop, group="售前", name="小李")}
    wang, li = staff["wang"], staff["li"]

    def as_(who, when):  # a new moment, a fresh login (sessions last 12 hours)
        frozen.freeze(when)
        staff[who] = world.login(staff[who].info["username"])
        return staff[who]

    def move(api, number, status):
        r = api.post(f"/api/tickets/{number}/status", {"status": status})
        assert r.status_code == 200, r.text

    # Friday of the week before: a ticket that waits on the buyer over the weekend
    old = as_("wang", at(5, 29, 10)).post("/api/tickets", {"kind": "售后", "title": "尺码不合适"})
    old = old.json()["ticket"]["number"]
    move(as_("wang", at(5, 29, 11)), old, "waiting_buyer")

    frozen.freeze(at(6, 1, 9))  # Monday 09:00: a buyer's chat becomes a ticket
    buyer = world.buyer(shop)
    conv = buyer.send(LINE).json()["conversation_id"]
    draft = as_("wang", at(6, 1, 9)).get(f"/api/tickets/draft?conversation_id={conv}").json()["draft"]
    courier = staff["wang"].post("/api/tickets", draft).json()["ticket"]["number"]
    move(as_("wang", at(6, 1, 10)), old, "in_progress")  # the buyer answered: waited Monday 0:00-10:00 this week
    move(as_("wang", at(6, 1, 12)), old, "resolved")

    # Tuesday: an urgent complaint (6 business hours to answer, 12 to resolve)
    angry = as_("li", at(6, 2, 9)).post("/api/tickets", {"kind": "投诉", "priority": "urgent", "title": "客服态度差",
                                                        "tags": ["差评风险"]}).json()["ticket"]["number"]
    move(as_("wang", at(6, 2, 10)), courier, "waiting_courier")
    boss = as_("boss", at(6, 2, 11))  # passed to 小王 and back to 小李
    assert boss.post(f"/api/tickets/{angry}/assign", {"assignee_id": wang.id}).status_code == 200
    boss = as_("boss", at(6, 2, 13))
    assert boss.post(f"/api/tickets/{angry}/assign", {"assignee_id": li.id}).status_code == 200
    frozen.freeze(at(6, 2, 15, 5))
    _run_timers(world)  # no reply by Tuesday 15:00: first response breached
    move(as_("li", at(6, 3, 9)), angry, "in_progress")
    frozen.freeze(at(6, 3, 12, 5))
    _run_timers(world)  # resolution breached Wednesday 12:00
    move(as_("li", at(6, 4, 9)), angry, "closed")

    move(as_("wang", at(6, 4, 10)), courier, "in_progress")  # Thursday 10:00: the courier answered (48 h)
    frozen.freeze(at(6, 4, 11))
    reply = staff["wang"].post(f"/api/tickets/{courier}/notes", {"text": "已联系快递，包裹明天送到。"})
    assert reply.status_code == 201, reply.text
    move(as_("wang", at(6, 4, 12)), courier, "resolved")
    move(as_("wang", at(6, 5, 10)), courier, "in_progress")  # Friday: not fixed after all (reopened)
    move(as_("wang", at(6, 5, 16)), courier, "resolved")

    # Sunday 22:00: a question nobody touches before the week ends
    late = as_("wang", at(6, 7, 22)).post("/api/tickets", {"kind": "咨询", "title": "发票怎么开"})
    late = late.json()["ticket"]["number"]
    # Monday of the next week: the supervisor opens the review
    return SimpleNamespace(boss=as_("boss", at(6, 8, 10)), agent=as_("wang", at(6, 8, 10)),
                           old=old, courier=courier, angry=angry, late=late, conv=conv)


def by(rows, key, value):
    return next(r for r in rows if r[key] == value)


def test_the_review_rebuilds_the_week_from_the_tickets_history(world, week):
    r = week.boss.get("/api/analytics/weekly")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["week"] | {"start": None, "end": None, "generated_at": None} == {
        "id": "2026-W23", "first_day": "2026-06-01", "last_day": "2026-06-07", "tz": "Asia/Shanghai",
        "partial": False, "prev": "2026-W22", "next": "2026-W24", "start": None, "end": None, "generated_at": None}
    time = body["time"]
    courier = by(time["statuses"], "status", "waiting_courier")
    assert (courier["wall_h"], courier["business_h"], courier["tickets"]) == (48.0, 18.0, 1)
    assert by(time["statuses"], "status", "waiting_buyer")["wall_h"] == 10.0  # clipped at Monday 0:00
    assert by(time["parties"], "party", "courier")["wall_h"] == 48.0
    pre_sale = by(time["departments"], "group", "售前")  # 小李's complaint, less the 2 hours it spent with 小王
    assert (pre_sale["with_shop_h"], pre_sale["waiting_h"], pre_sale["tickets"]) == (46.0, 0.0, 1)
    after_sale = by(time["departments"], "group", "售后")
    assert (after_sale["waiting_h"], after_sale["tickets"]) == (58.0, 4)
    assert by(time["tags"], "tag", "差评风险")["wall_h"] == 48.0
    assert [s["number"] for s in time["stalled"]] == [week.courier, week.angry, week.old, week.late]
    top = time["stalled"][0]
    assert (top["wall_h"], top["longest_status"], top["longest_h"], top["owner_name"]) == (
        81.0, "waiting_courier", 48.0, "小王")
    assert time["stalled"][-1]["wall_h"] == 2.0  # Sunday 22:00-24:00, nothing from the next week


def test_breaches_and_volume_of_the_week(world, week):
    body = week.boss.get("/api/analytics/weekly?week=2026-W23").json()
    br = body["breaches"]
    assert br["total"] == 2 and br["by_clock"] == {"first_response": 1, "resolution": 1}
    items = [(b["number"], b["clock"], b["status_then"], b["owner_name"], b["group"], b["causes"])
             for b in br["items"]]
    assert items == [(week.angry, "first_response", "open", "小李", "售前", ["not_started", "handed_over"]),
                     (week.angry, "resolution", "in_progress", "小李", "售前", ["no_reply", "handed_over"])]
    vol = body["volume"]
    assert (vol["created"], vol["resolved"], vol["closed"], vol["reopened"]) == (3, 2, 1, 1)
    assert {r["key"]: r["count"] for r in vol["by_kind"]} == {"售后": 1, "投诉": 1, "咨询": 1}
    assert {r["key"]: r["count"] for r in vol["by_priority"]} == {"normal": 2, "urgent": 1}
    intent = week.agent.get(f"/api/conversations/{week.conv}").json()
    intent = (intent.get("conversation") or intent).get("intent")
    assert {r["key"]: r["count"] for r in vol["by_intent"]} == {intent: 1, "none": 2}
    # the only reply: Thursday 11:00, 74 h after Monday 09:00 (29 business hours)
    assert vol["first_response"] == {"n": 1, "wall_h": 74.0, "business_h": 29.0}
    # resolved this week: the courier ticket (Mon 09:00 → Fri 16:00, 103 h) and the old one (Fri 10:00 → Mon
    # 12:00, 74 h)
    assert vol["resolution"]["n"] == 2 and vol["resolution"]["wall_h"] == 88.5


def test_the_week_before_and_a_running_week(world, week):
    before = week.boss.get("/api/analytics/weekly?week=2026-W22").json()
    assert before["time"]["tickets"] == 1 and before["volume"]["created"] == 1
    assert before["week"]["next"] == "2026-W23"
    running = week.boss.get("/api/analytics/weekly?week=2026-W24").json()
    assert running["week"]["partial"] is True and running["week"]["next"] is None
    assert by(running["time"]["statuses"], "status", "open")["wall_h"] == 10.0  # the Sunday question, to now


def rows_of(r) -> list[list[str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv") and r.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_csv_export_in_both_languages_and_by_part(world, week):
    r = week.boss.get("/api/analytics/weekly.csv?week=2026-W23")
    assert 'filename="kefu-review-2026-W23.csv"' in r.headers["content-disposition"]
    rows = rows_of(r)
    assert rows[0] == ["概览"] and ["超时次数", "2"] in rows and ["被重新打开", "1"] in rows
    assert ["等待快递", "1", "48.0", "18.0", "48.0", "48.0"] in rows
    assert any(row[:1] == [week.courier] and "小王" in row for row in rows)
    en = rows_of(week.boss.get("/api/analytics/weekly.csv?week=2026-W23&lang=en&part=breaches"))
    assert en[0][:4] == ["Ticket", "Title", "Type", "Clock"] and len(en) == 3
    assert en[1][3] == "First response" and en[1][9] == "Still open, never started; Passed between owners"
    assert en[2][4] == "2026-06-03 12:05" and en[2][9] == "No reply to the buyer yet; Passed between owners"


@pytest.mark.parametrize(("query", "code"), [
    ("week=2026-W99", "bad_week"), ("week=last", "bad_week"), ("week=2026-W30", "bad_week"),
    ("week=2026-W23&part=everything", "bad_part"),
])
def test_bad_weeks_and_parts_are_clear_4xx_in_both_languages(world, frozen, query, code):
    frozen.freeze(at(6, 8, 10))
    shop = world.shop()
    boss = world.agent(shop, role="supervisor")
    for path in ("/api/analytics/weekly", "/api/analytics/weekly.csv"):
        if code == "bad_part" and not path.endswith(".csv"):
            continue
        r = boss.get(f"{path}?{query}")
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"] == code and err["zh"] and err["en"]
    r = boss.get("/api/analytics/weekly?week=2026-W99")
    assert r.json()["error"]["en"] == "2026 has no week 99"


def test_agents_may_not_read_the_review(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    for path in ("/api/analytics/weekly", "/api/analytics/weekly.csv"):
        r = agent.get(path)
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
    page = agent.get("/tickets/review")
    assert page.status_code == 403 and "没有访问权限" in page.text
    assert world.client.get("/api/analytics/weekly").status_code == 401


def test_the_page_shows_the_week_in_chinese_and_english(world, week):
    page = week.boss.get("/tickets/review?week=2026-W23")
    assert page.status_code == 200
    text = page.text
    assert "工单周复盘" in text and "2026-W23（2026-06-01 至 2026-06-07）" in text
    assert 'href="/tickets/review?week=2026-W22"' in text and 'href="/tickets/review?week=2026-W24"' in text
    assert f'href="/tickets#{week.courier}"' in text and "等待快递" in text and "多次转手" in text
    assert 'href="/api/analytics/weekly.csv?week=2026-W23&amp;lang=zh"' in text
    en = week.boss.get("/tickets/review?lang=en").text  # the default week is the last complete one
    assert "Weekly ticket review" in en and "2026-W23 (2026-06-01 to 2026-06-07)" in en
    assert "Passed between owners" in en and "Waiting on the courier" in en
    bad = week.boss.get("/tickets/review?week=2026-W99")
    assert bad.status_code == 422 and "2026 年没有第 99 周" in bad.text and 'href="/tickets/review"' in bad.text
    supervisor_view = week.boss.get("/supervisor").text
    assert 'href="/tickets/review"' in supervisor_view
