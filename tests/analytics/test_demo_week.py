"""The demo shop opens the weekly review on a real week: last week's tickets with their waits, breaches and
causes, played through the services (kefu.demo.review_week)."""

from __future__ import annotations

from kefu.demo.seed import DEMO_PASSWORD, load_demo


def test_the_demo_review_shows_last_week(world):
    world.run(load_demo, world.db)
    boss = world.login("laowang", DEMO_PASSWORD)
    body = boss.get("/api/analytics/weekly").json()
    time, br, vol = body["time"], body["breaches"], body["volume"]
    assert time["tickets"] >= 9 and vol["created"] >= 9 and vol["reopened"] >= 1
    assert {p["party"] for p in time["parties"]} == {"buyer", "courier", "warehouse", "platform"}
    assert {d["group"] for d in time["departments"]} >= {"售前", "售后", "投诉"}
    assert {(b["clock"], tuple(b["causes"])) for b in br["items"]} >= {
        ("first_response", ("not_started", "handed_over")), ("resolution", ("slow",))}
    assert all(b["status_then"] in ("open", "in_progress") for b in br["items"])  # a waiting clock stands still
    assert {r["key"] for r in vol["by_kind"]} == {"售后", "咨询", "投诉"} and len(vol["by_intent"]) >= 4
    assert vol["first_response"]["n"] >= 8 and vol["resolution"]["n"] >= 6
    page = boss.get("/tickets/review")
    assert page.status_code == 200 and "快递三天没动了" in page.text and "多次转手" in page.text
