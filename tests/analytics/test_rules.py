"""The weekly review's rules on hand-made audit rows: status time rebuilt and clipped to the week (an ISO week in
the shop's zone, see tests/sla/test_weeks.py) in wall and business hours, departments by the owner at the time,
breach causes, volume."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kefu.analytics import rules
from kefu.analytics.rules import ChangeRow, TicketRow
from kefu.sla.rules import Calendar, parse_week

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar()
W23 = parse_week("2026-W23", datetime(2026, 6, 20, tzinfo=SH), CAL)  # Mon 1 June - Sun 7 June 2026
AFTER = datetime(2026, 6, 20, 12, tzinfo=SH)  # the week is long over
GROUPS = {1: "售后", 2: "售前"}


def at(day: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2026, 6, day, hh, mm, tzinfo=SH) if day > 0 else datetime(2026, 5, 31 + day, hh, mm, tzinfo=SH)


def ticket(i: int = 1, created=None, **kw) -> TicketRow:
    base = {"number": f"T-AAAAA{i}", "title": f"问题{i}", "kind": "售后", "priority": "normal", "status": "open",
            "assignee_id": 1}
    return TicketRow(id=i, created_at=created or at(1, 9), **{**base, **kw})


def moves(i: int, *steps) -> list[ChangeRow]:
    """(when, before, after) status moves of ticket i."""
    return [ChangeRow(i, when, "status", before, after) for when, before, after in steps]


def review(tickets, changes, now=AFTER):
    return rules.review(tickets, changes, W23, now, CAL, GROUPS)


def by(rows, key, value):
    return next(r for r in rows if r[key] == value)


# ---------------------------------------------------------------- time in each status

def test_waiting_on_the_courier_from_tuesday_10_to_thursday_10_is_48_hours():
    t = ticket(created=at(2, 9))
    changes = {1: moves(1, (at(2, 10), "open", "waiting_courier"), (at(4, 10), "waiting_courier", "in_progress"),
                        (at(4, 15), "in_progress", "resolved"))}
    time = review([t], changes)["time"]
    courier = by(time["statuses"], "status", "waiting_courier")
    assert courier["wall_h"] == 48.0 and courier["tickets"] == 1
    assert courier["business_h"] == 18.0  # Tuesday 10-18, Wednesday 9-18, Thursday 9-10
    assert by(time["parties"], "party", "courier")["wall_h"] == 48.0
    assert by(time["statuses"], "status", "open")["wall_h"] == 1.0
    assert by(time["statuses"], "status", "in_progress")["wall_h"] == 5.0
    resolved = by(time["statuses"], "status", "resolved")  # shown, but not a stall
    assert resolved["wall_h"] == (at(8) - at(4, 15)).total_seconds() / 3600
    stalled = time["stalled"][0]
    assert stalled["wall_h"] == 54.0 and stalled["longest_status"] == "waiting_courier"
    assert stalled["longest_h"] == 48.0


def test_time_is_clipped_at_both_edges_of_the_week():
    before = ticket(1, created=at(-3, 10))  # Friday of the week before
    late = ticket(2, created=at(7, 20))  # Sunday 20:00, still open when the week ends
    changes = {1: moves(1, (at(-2, 11), "open", "waiting_buyer"), (at(1, 10), "waiting_buyer", "in_progress"),
                        (at(1, 12), "in_progress", "closed"))}
    time = review([before, late], changes)["time"]
    assert by(time["statuses"], "status", "waiting_buyer")["wall_h"] == 10.0  # Monday 0:00-10:00 only
    assert by(time["statuses"], "status", "in_progress")["wall_h"] == 2.0  # then closed: nothing after
    opened = by(time["statuses"], "status", "open")
    assert opened["wall_h"] == 4.0 and opened["tickets"] == 1  # Sunday 20:00-24:00, not into next week
    assert opened["business_h"] == 0.0  # Sunday is no business day
    assert time["tickets"] == 2


def test_a_running_week_counts_up_to_now():
    t = ticket(created=at(3, 9))
    time = review([t], {}, now=at(3, 21))["time"]
    assert by(time["statuses"], "status", "open")["wall_h"] == 12.0
    assert by(time["statuses"], "status", "open")["business_h"] == 9.0


def test_departments_follow_the_owner_at_the_time_and_split_waiting_from_work():
    t = ticket(created=at(1, 9), assignee_id=2, tags=("物流", "VIP"))
    changes = {1: [*moves(1, (at(1, 12), "open", "waiting_warehouse")),
                   ChangeRow(1, at(2, 12), "assignee_id", "1", "2"),
                   *moves(1, (at(3, 12), "waiting_warehouse", "in_progress"), (at(3, 14), "in_progress", "resolved"))]}
    time = review([t], changes)["time"]
    after_sale, pre_sale = by(time["departments"], "group", "售后"), by(time["departments"], "group", "售前")
    assert (after_sale["with_shop_h"], after_sale["waiting_h"]) == (3.0, 24.0)  # agent 1 until Tuesday noon
    assert (pre_sale["with_shop_h"], pre_sale["waiting_h"]) == (2.0, 24.0)
    assert [d["group"] for d in time["departments"]] == ["售后", "售前"]  # most hours first
    tags = {r["tag"]: (r["tickets"], r["wall_h"], r["waiting_h"]) for r in time["tags"]}
    assert tags == {"物流": (1, 53.0, 48.0), "VIP": (1, 53.0, 48.0)}
    assert by(time["parties"], "party", "warehouse")["wall_h"] == 48.0


def test_a_ticket_without_owner_is_the_unassigned_departments():
    time = review([ticket(assignee_id=None)], {}, now=at(1, 19))["time"]
    assert time["departments"][0]["group"] == rules.UNASSIGNED and time["departments"][0]["wall_h"] == 10.0


def test_the_longest_stalls_come_first_and_are_capped():
    tickets = [ticket(i, created=at(1, 0) + (at(1, 1) - at(1, 0)) * i) for i in range(1, 14)]
    stalled = review(tickets, {})["time"]["stalled"]
    assert len(stalled) == rules.TOP_STALLED
    assert [s["number"] for s in stalled[:2]] == ["T-AAAAA1", "T-AAAAA2"]
    assert stalled[0]["wall_h"] > stalled[1]["wall_h"]


# ---------------------------------------------------------------- breaches

def breach(i: int, when: datetime, clock: str) -> ChangeRow:
    return ChangeRow(i, when, "sla_breached", None, clock)


def test_breaches_name_their_causes_and_where_the_ticket_was():
    never = ticket(1, created=at(1, 9), assignee_id=None)
    reopened = ticket(2, created=at(1, 9), first_responded_at=at(1, 10))
    bounced = ticket(3, created=at(1, 9), first_responded_at=at(1, 10))
    slow = ticket(4, created=at(1, 9), first_responded_at=at(1, 10))
    changes = {
        1: [breach(1, at(4, 9), "first_response")],
        2: [*moves(2, (at(1, 11), "open", "waiting_courier"), (at(2, 11), "waiting_courier", "in_progress"),
                   (at(2, 12), "in_progress", "resolved"), (at(3, 9), "resolved", "in_progress")),
            breach(2, at(5, 15), "resolution")],
        3: [ChangeRow(3, at(1, 9), "assignee_id", None, "1"), ChangeRow(3, at(1, 12), "assignee_id", "1", "2"),
            ChangeRow(3, at(2, 12), "assignee_id", "2", "1"), *moves(3, (at(2, 13), "open", "in_progress")),
            breach(3, at(5, 15), "resolution")],
        4: [ChangeRow(4, at(1, 9), "assignee_id", None, "2"), ChangeRow(4, at(1, 9, 30), "assignee_id", "2", "1"),
            *moves(4, (at(1, 10), "open", "in_progress")), breach(4, at(5, 15), "resolution")],  # one transfer
    }
    br = review([never, reopened, bounced, slow], changes)["breaches"]
    items = {b["number"]: b for b in br["items"]}
    assert items["T-AAAAA1"]["causes"] == ["unassigned", "not_started"]
    assert items["T-AAAAA1"]["group"] == rules.UNASSIGNED and items["T-AAAAA1"]["status_then"] == "open"
    assert items["T-AAAAA2"]["causes"] == ["reopened"]
    assert items["T-AAAAA2"]["waited_h"] == {"courier": 24.0} and items["T-AAAAA2"]["status_then"] == "in_progress"
    assert items["T-AAAAA3"]["causes"] == ["handed_over"]
    assert items["T-AAAAA4"]["causes"] == ["slow"] and items["T-AAAAA4"]["group"] == "售后"
    assert br["total"] == 4 and br["by_clock"] == {"first_response": 1, "resolution": 3}
    assert {c["cause"]: c["count"] for c in br["by_cause"]} == {
        "unassigned": 1, "not_started": 1, "reopened": 1, "handed_over": 1, "slow": 1}


def test_a_resolution_breach_before_any_reply_says_so_and_breaches_outside_the_week_are_left_out():
    t = ticket(1, created=at(-6, 9), first_responded_at=at(2, 9))
    changes = {1: [*moves(1, (at(-6, 10), "open", "in_progress")), breach(1, at(-3, 9), "first_response"),
                   breach(1, at(1, 15), "resolution")]}
    br = review([t], changes)["breaches"]
    assert [(b["clock"], b["causes"]) for b in br["items"]] == [("resolution", ["no_reply"])]


def test_a_clock_breaches_once_even_if_the_trail_repeats_it():
    t = ticket(1, created=at(-6, 9))
    changes = {1: [breach(1, at(-3, 9), "first_response"), breach(1, at(2, 9), "first_response"),
                   breach(1, at(3, 9), "resolution"), breach(1, at(4, 9), "resolution")]}
    br = review([t], changes)["breaches"]
    assert [(b["clock"], b["at"]) for b in br["items"]] == [("resolution", at(3, 9))]


# ---------------------------------------------------------------- volume

def test_volume_counts_the_weeks_tickets_moves_and_medians():
    tickets = [
        ticket(1, created=at(1, 9), kind="投诉", priority="urgent", intent="complaint", first_responded_at=at(1, 11)),
        ticket(2, created=at(2, 9), kind="售后", intent="refund", first_responded_at=at(2, 10)),
        ticket(3, created=at(2, 17), kind="售后", intent="refund", first_responded_at=at(3, 10)),
        ticket(4, created=at(-5, 9), kind="咨询", first_responded_at=at(-5, 10)),  # opened the week before
    ]
    changes = {
        1: moves(1, (at(2, 9), "open", "resolved"), (at(3, 9), "resolved", "in_progress"),
                 (at(3, 12), "in_progress", "resolved"), (at(4, 9), "resolved", "closed")),
        4: moves(4, (at(1, 9), "open", "resolved")),
    }
    vol = review(tickets, changes)["volume"]
    assert (vol["created"], vol["resolved"], vol["closed"], vol["reopened"]) == (3, 2, 1, 1)
    assert vol["by_kind"] == [{"key": "售后", "count": 2}, {"key": "投诉", "count": 1}]
    assert vol["by_priority"] == [{"key": "normal", "count": 2}, {"key": "urgent", "count": 1}]
    assert vol["by_intent"] == [{"key": "refund", "count": 2}, {"key": "complaint", "count": 1}]
    # first replies this week: 2 h, 1 h and 17 h of wall time; 2, 1 and 2 business hours (Tue 17-18, Wed 9-10)
    assert vol["first_response"] == {"n": 3, "wall_h": 2.0, "business_h": 2.0}
    # resolved this week: ticket 1 (last resolved Wednesday 12:00: 51 h) and ticket 4 (Tue-Mon: 144 h)
    assert vol["resolution"]["n"] == 2 and vol["resolution"]["wall_h"] == (51 + 144) / 2


def test_an_empty_week_is_empty_not_an_error():
    empty = review([], {})
    assert empty["time"]["tickets"] == 0 and empty["time"]["statuses"] == []
    assert empty["breaches"] == {"total": 0, "by_clock": {"first_response": 0, "resolution": 0}, "by_cause": [],
                                 "items": []}
    assert empty["volume"]["first_response"] == {"n": 0, "wall_h": None, "business_h": None}
    assert rules.spans(ticket(4, created=at(8, 1)), [], at(8)) == []  # opened after the end: no time at all
