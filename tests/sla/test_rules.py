"""SLA deadlines in business time (kefu.sla.rules): the shop's hours, weekends, holidays and 调休 make-up
days, warnings ahead of a deadline, and clocks that stop while a ticket waits on the buyer or a courier."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.sla import rules
from kefu.sla.rules import Calendar

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar()  # 9:00-18:00 on weekdays, 2026's holidays and make-up days
H = timedelta(hours=1)


def at(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_a_24_hour_target_opened_on_friday_evening_is_due_on_wednesday():
    due = rules.due(CAL, at(2026, 12, 4, 17), 24 * H)  # Fri 1 h + Mon 9 h + Tue 9 h + Wed 5 h
    assert due == at(2026, 12, 9, 14)
    assert due.tzinfo == UTC  # stored as an instant
    assert rules.business_time_between(CAL, at(2026, 12, 4, 17), due) == 24 * H


def test_a_ticket_opened_outside_hours_starts_counting_at_the_next_opening():
    assert rules.due(CAL, at(2026, 12, 5, 11), 2 * H) == at(2026, 12, 7, 11)  # Saturday -> Monday 9:00 + 2 h
    assert rules.due(CAL, at(2026, 12, 8, 7, 30), 30 * timedelta(minutes=1)) == at(2026, 12, 8, 9, 30)
    assert rules.due(CAL, at(2026, 12, 8, 18), H) == at(2026, 12, 9, 10)  # closing time counts as closed


def test_the_national_day_holiday_stops_the_clock_and_a_makeup_saturday_runs_it():
    # Wed 30 Sep 16:00: 2 h that day, 1-7 Oct closed, Thu 8 and Fri 9 Oct 18 h, Sat 10 Oct (调休) 4 h.
    assert rules.due(CAL, at(2026, 9, 30, 16), 24 * H) == at(2026, 10, 10, 13)
    # Without the make-up day the shop would be closed that Saturday: due on Monday instead.
    plain = Calendar(workdays=frozenset())
    assert rules.due(plain, at(2026, 9, 30, 16), 24 * H) == at(2026, 10, 12, 13)


def test_the_owner_is_warned_two_business_hours_before_the_deadline():
    assert rules.warn_at(CAL, at(2026, 12, 7, 10)) == at(2026, 12, 4, 17)  # Monday 10:00 -> Friday 17:00
    assert rules.warn_at(CAL, at(2026, 12, 8, 15)) == at(2026, 12, 8, 13)


def test_waiting_on_the_buyer_stops_the_clock_and_resuming_keeps_the_time_left():
    opened = at(2026, 12, 7, 9)
    deadline = rules.due(CAL, opened, 24 * H)
    assert deadline == at(2026, 12, 9, 15)
    left = rules.pause(CAL, at(2026, 12, 7, 12), deadline)  # waiting on the buyer from Monday noon
    assert left == 21 * H
    # The buyer answers on Thursday at 10:00: Thu 8 h + Fri 9 h + Mon 4 h.
    assert rules.resume(CAL, at(2026, 12, 10, 10), left) == at(2026, 12, 14, 13)


def test_a_breach_before_the_pause_stays_a_breach():
    deadline = at(2026, 12, 7, 10)
    left = rules.pause(CAL, at(2026, 12, 7, 12), deadline)
    assert left == -2 * H
    resumed = rules.resume(CAL, at(2026, 12, 9, 9), left)
    assert resumed < at(2026, 12, 9, 9)


def test_targets_by_type_scaled_by_priority():
    assert rules.target_for("售后", "normal") == rules.Target(24 * H, 48 * H)
    assert rules.target_for("投诉", "urgent").first_response == 6 * H
    assert rules.target_for("退货咨询", "normal") == rules.target_for("售后", "normal")  # a shop's own type
    with pytest.raises(KeyError):
        rules.target_for("售后", "someday")


def test_a_calendar_must_make_sense():
    with pytest.raises(ValueError):
        Calendar(hours=(rules.DAY_HOURS,) * 6)
    with pytest.raises(ValueError):
        Calendar(hours=((time(18), time(9)),) * 7)
    closed = Calendar(hours=(None,) * 7, workdays=frozenset())
    with pytest.raises(ValueError):
        rules.due(closed, at(2026, 12, 7, 9), H)


def test_an_always_open_calendar_counts_wall_time():
    start = at(2026, 12, 5, 23)
    assert rules.due(rules.ALWAYS, start, 48 * H) == start + 48 * H
