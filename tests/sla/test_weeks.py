"""ISO weeks in the shop's time zone (kefu.sla.rules), as the weekly ticket review and the error ledger's
root-cause report read them: Monday 00:00 to Monday 00:00 Beijing time, the last complete week by default, the
ways a week may be written, and the weeks that are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.sla import rules
from kefu.sla.rules import Calendar

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar()
AFTER = datetime(2026, 6, 20, 12, tzinfo=SH)  # 2026-W23 is long over


def at(m: int, d: int, hh: int = 0, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_a_week_runs_from_monday_to_monday_in_the_shops_zone():
    w23 = rules.parse_week("2026-W23", AFTER, CAL)
    assert (w23.id, w23.start, w23.end) == ("2026-W23", at(6, 1), at(6, 8))
    assert w23.start.tzinfo == UTC and w23.start.hour == 16  # Sunday 16:00 UTC
    assert [d.isoformat() for d in w23.days] == ["2026-06-01", "2026-06-07"]
    other = Calendar(tz="Europe/Berlin")  # the same week in another shop's zone starts at its own midnight
    assert rules.parse_week("2026-W23", AFTER, other).start == datetime(2026, 5, 31, 22, tzinfo=UTC)


@pytest.mark.parametrize(("now", "expected"), [
    (at(6, 8, 0, 30), "2026-W23"),  # Monday 00:30 in Beijing (still Sunday in UTC): last week is complete
    (at(6, 7, 23, 30), "2026-W22"),  # Sunday 23:30: this week is not over yet
    (at(1, 2, 12, y=2027), "2026-W52"),  # Saturday 2 January 2027 is in 2026-W53, still running
])
def test_the_default_is_the_last_complete_week(now, expected):
    assert rules.parse_week(None, now, CAL).id == expected
    assert rules.parse_week("", now, CAL).id == expected
    assert rules.last_complete_week(now, CAL).id == expected


@pytest.mark.parametrize("text", ["2026-W49", "2026W49", "2026w49", " 2026-w49 "])
def test_a_week_may_be_written_with_or_without_the_dash_in_either_case(text):
    assert rules.parse_week(text, at(12, 20), CAL).id == "2026-W49"


@pytest.mark.parametrize("text", ["2026-23", "W23", "2026-W", "2026-W123", "2026-W4900", "26-W23", "2026-W23; drop",
                                  "本周", "last"])
def test_a_malformed_week_says_how_to_write_one(text):
    with pytest.raises(ValueError) as exc:
        rules.parse_week(text, AFTER, CAL)
    zh, en = exc.value.args[0]
    assert "2026-W23" in zh and "2026-W23" in en


@pytest.mark.parametrize(("text", "zh", "en"), [
    ("2025-W53", "2025 年没有第 53 周", "2025 has no week 53"), ("2026-W00", "没有第 0 周", "2026 has no week 0"),
    ("2026-W26", "2026-W26 还没有开始", "2026-W26 has not started yet"),
    ("1999-W10", "2000 年以前", "before 2000"),
])
def test_weeks_that_do_not_exist_or_have_not_started_are_refused(text, zh, en):
    with pytest.raises(ValueError) as exc:
        rules.parse_week(text, AFTER, CAL)
    assert zh in exc.value.args[0][0] and en in exc.value.args[0][1]


def test_the_running_week_and_week_53_are_shown():
    assert rules.parse_week("2026-W24", at(6, 8, 0, 1), CAL).id == "2026-W24"  # started a minute ago
    w53 = rules.parse_week("2026w53", at(1, 10, y=2027), CAL)  # 2026 starts on a Thursday: it has a week 53
    assert w53.id == "2026-W53" and w53.start == at(12, 28)
    assert rules.week_of(at(1, 3, y=2027).date(), CAL) == w53  # Sunday 3 January 2027


def test_the_links_to_the_weeks_around_cross_years_and_stop_where_weeks_are_refused():
    w53 = rules.parse_week("2026-W53", at(1, 20, y=2027), CAL)
    assert rules.neighbours(w53, at(1, 20, y=2027), CAL) == ("2026-W52", "2027-W01")
    w01 = rules.parse_week("2026-W01", AFTER, CAL)
    assert rules.neighbours(w01, AFTER, CAL) == ("2025-W52", "2026-W02")
    running = rules.parse_week("2026-W25", AFTER, CAL)
    assert rules.neighbours(running, AFTER, CAL) == ("2026-W24", None)  # next week has not started
    first = rules.parse_week("2000-W01", AFTER, CAL)
    assert rules.neighbours(first, AFTER, CAL) == (None, "2000-W02")
