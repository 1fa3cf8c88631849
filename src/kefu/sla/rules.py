"""SLA arithmetic, pure: business calendars, deadlines in business time, pauses, warnings.

A ticket's clocks run only in the shop's business hours: a 24-hour first-response target opened on Friday
evening is due on Tuesday if the shop works 9:00–18:00 on weekdays. Holidays close whole days; make-up
working days (调休: a Saturday or Sunday worked in exchange for a longer holiday) open them with the
calendar's make-up hours. Waiting on the buyer or on a third party stops the clock: the business time left is
kept, and a new due time is computed from it when the ticket moves on. Everything is computed in the shop's
time zone and returned in UTC; deadlines are stored, never durations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Default targets (DOMAIN.md, seed 003): after-sale tickets answered within 24 h and resolved within 48 h;
# the owner warned 2 h before a deadline; an urgent or escalated complaint acted on within 2 h.
WARN_BEFORE = timedelta(hours=2)
QUICK_RESPONSE = timedelta(hours=2)
DAY_HOURS = (time(9, 0), time(18, 0))
MAX_DAYS = 3660  # a calendar with no open day at all would never find an end: give up after ten years

# Mainland China's 2026 public holidays and make-up working days (国务院办公厅 notice for 2026). A shop
# edits its own list on the admin page; these are the defaults a new shop starts with.
HOLIDAYS_2026 = frozenset(date(2026, m, d) for m, d in (
    (1, 1), (1, 2), (1, 3),
    (2, 15), (2, 16), (2, 17), (2, 18), (2, 19), (2, 20), (2, 21), (2, 22), (2, 23),
    (4, 4), (4, 5), (4, 6),
    (5, 1), (5, 2), (5, 3), (5, 4), (5, 5),
    (6, 19), (6, 20), (6, 21),
    (9, 25), (9, 26), (9, 27),
    (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7),
))
MAKEUP_WORKDAYS_2026 = frozenset(date(2026, m, d) for m, d in (
    (1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10),
))


@dataclass(frozen=True)
class Calendar:
    """When a shop's clocks run. ``hours``: weekday (Monday 0) → (open, close) local time, or None for a
    closed day (a close of ``time.max``: open until midnight); ``holidays`` close a date; ``workdays`` open a
    date with ``makeup_hours``."""

    tz: str = "Asia/Shanghai"
    hours: tuple[tuple[time, time] | None, ...] = (DAY_HOURS,) * 5 + (None, None)
    holidays: frozenset[date] = HOLIDAYS_2026
    workdays: frozenset[date] = MAKEUP_WORKDAYS_2026
    makeup_hours: tuple[time, time] = DAY_HOURS
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ValueError("hours must name all seven weekdays")
        for span in (*self.hours, self.makeup_hours):
            if span is not None and not span[0] < span[1]:
                raise ValueError("a day's opening time must be before its closing time")
        object.__setattr__(self, "zone", ZoneInfo(self.tz))

    def open_span(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's open hours as UTC instants, or None if the shop is closed that day."""
        if day in self.workdays:
            span = self.makeup_hours
        elif day in self.holidays:
            return None
        else:
            span = self.hours[day.weekday()]
        if span is None:
            return None
        start = datetime.combine(day, span[0], tzinfo=self.zone).astimezone(UTC)
        if span[1] == time.max:  # open until midnight
            return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone).astimezone(UTC)
        return start, datetime.combine(day, span[1], tzinfo=self.zone).astimezone(UTC)


ALWAYS = Calendar(hours=((time(0, 0), time.max),) * 7, holidays=frozenset(),
                  workdays=frozenset())


def _local_day(cal: Calendar, at: datetime) -> date:
    return at.astimezone(cal.zone).date()


def add_business_time(cal: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The instant ``amount`` of open time after ``start`` (before it, for a negative amount)."""
    if amount < timedelta(0):
        return _subtract(cal, start, -amount)
    left, day, at = amount, _local_day(cal, start), start
    for _ in range(MAX_DAYS):
        span = cal.open_span(day)
        if span is not None and at < span[1]:
            begin = max(at, span[0])
            if begin + left <= span[1]:
                return begin + left
            left -= span[1] - begin
        day += timedelta(days=1)
    raise ValueError("the calendar has no open hours to count in")


def _subtract(cal: Calendar, end: datetime, amount: timedelta) -> datetime:
    left, day = amount, _local_day(cal, end)
    for _ in range(MAX_DAYS):
        span = cal.open_span(day)
        if span is not None and end > span[0]:
            finish = min(end, span[1])
            if finish - left >= span[0]:
                return finish - left
            left -= finish - span[0]
        day -= timedelta(days=1)
    raise ValueError("the calendar has no open hours to count in")


def business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time from ``start`` to ``end`` (negative when ``end`` comes first)."""
    if end < start:
        return -business_time_between(cal, end, start)
    total, day = timedelta(0), _local_day(cal, start)
    while day <= _local_day(cal, end):
        span = cal.open_span(day)
        if span is not None:
            lo, hi = max(start, span[0]), min(end, span[1])
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


@dataclass(frozen=True)
class Target:
    """One SLA target: respond within ``first_response``, resolve within ``resolution`` (business time)."""

    first_response: timedelta
    resolution: timedelta


DEFAULT_TARGETS = {  # by ticket type; a shop overrides per type and priority
    "售后": Target(timedelta(hours=24), timedelta(hours=48)),
    "咨询": Target(timedelta(hours=24), timedelta(hours=48)),
    "投诉": Target(timedelta(hours=24), timedelta(hours=48)),
}
PRIORITY_FACTOR = {"low": 1.5, "normal": 1.0, "high": 0.5, "urgent": 0.25}


def target_for(kind: str, priority: str, targets: dict[str, Target] | None = None) -> Target:
    """The shop's target for a type, scaled by priority (an urgent ticket gets a quarter of the time)."""
    base = (targets or DEFAULT_TARGETS).get(kind) or DEFAULT_TARGETS["售后"]
    factor = PRIORITY_FACTOR[priority]
    return Target(base.first_response * factor, base.resolution * factor)


def due(cal: Calendar, start: datetime, amount: timedelta) -> datetime:
    return add_business_time(cal, start, amount)


def warn_at(cal: Calendar, deadline: datetime, before: timedelta = WARN_BEFORE) -> datetime:
    """When the owner is warned: ``before`` of business time ahead of the deadline (a deadline on Monday at
    10:00 warns on Friday afternoon, while someone is at work), never before the clock started."""
    return add_business_time(cal, deadline, -before)


def pause(cal: Calendar, now: datetime, deadline: datetime) -> timedelta:
    """The clock stops (waiting on the buyer or a third party): the business time left, kept on the ticket
    (negative once breached: the breach stays a breach)."""
    return business_time_between(cal, now, deadline)


def resume(cal: Calendar, now: datetime, remaining: timedelta) -> datetime:
    """The clock runs again: the new deadline, ``remaining`` business time from now."""
    if remaining <= timedelta(0):
        return now + remaining  # breached before the pause: still overdue by as much
    return add_business_time(cal, now, remaining)


def clock_state(due_at: datetime | None, left: timedelta | None, done_at: datetime | None,
                now: datetime, soon: timedelta = WARN_BEFORE) -> str:
    """One SLA clock as a ticket list shows it: met / missed once done; paused (waiting) or breached while
    stopped; running, due_soon (within ``soon`` of wall time) or breached while it runs."""
    if done_at is not None:
        if due_at is not None:
            return "met" if done_at <= due_at else "missed"
        return "met" if left is None or left >= timedelta(0) else "missed"
    if due_at is None:
        return "breached" if left is not None and left < timedelta(0) else "paused"
    if now >= due_at:
        return "breached"
    return "due_soon" if due_at - now <= soon else "running"
