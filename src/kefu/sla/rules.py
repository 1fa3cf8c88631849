"""SLA arithmetic, pure: business calendars, deadlines in business time, pauses, warnings.

A ticket's clocks run only in the shop's business hours: a 24-hour first-response target opened on Friday
evening is due on Tuesday if the shop works 9:00–18:00 on weekdays. Holidays close whole days; make-up
working days (调休: a Saturday or Sunday worked in exchange for a longer holiday) open them with the
calendar's make-up hours. Waiting on the buyer or on a third party stops the clock: the business time left is
kept, and a new due time is computed from it when the ticket moves on. Everything is computed in the shop's
time zone and returned in UTC; deadlines are stored, never durations.
"""

from __future__ import annotations

import re
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


# ---------------------------------------------------------------- a shop's own policy

PRIORITIES = ("low", "normal", "high", "urgent")
MAX_TARGET_HOURS = 24 * 30
MAX_DATES = 400
MAX_TYPES = 20
MAX_TEAM = 50


@dataclass(frozen=True)
class Policy:
    """Everything a shop sets about its deadlines: the business calendar, a target per ticket type and
    priority, the extra ticket types it uses, and the agents acting as its quick-response team."""

    calendar: Calendar = Calendar()
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    types: tuple[str, ...] = ()
    quick_team: tuple[int, ...] = ()

    def target(self, kind: str, priority: str) -> Target:
        return self.targets.get((kind, priority)) or target_for(kind, priority)


DEFAULT_POLICY = Policy()


def _hhmm(value: str) -> time:
    try:
        hour, minute = (int(x) for x in str(value).split(":"))
        if hour == 24 and minute == 0:
            return time.max
        return time(hour, minute)
    except (ValueError, TypeError):
        raise ValueError((f"时间格式应为 HH:MM：{str(value)[:10]}",
                          f"Times are HH:MM, not {str(value)[:10]!r}")) from None


def _show(t: time) -> str:
    return "24:00" if t == time.max else t.strftime("%H:%M")


def _span(value) -> tuple[time, time] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(("营业时间应为 [开始, 结束]", "Opening hours are [open, close]"))
    return _hhmm(value[0]), _hhmm(value[1])


def _dates(values, what_zh: str, what_en: str) -> frozenset[date]:
    if not isinstance(values, list | tuple) or len(values) > MAX_DATES:
        raise ValueError((f"{what_zh}最多 {MAX_DATES} 个日期", f"At most {MAX_DATES} {what_en}"))
    out = set()
    for v in values:
        try:
            if len(str(v)) != 10:
                raise ValueError(v)
            out.add(date.fromisoformat(str(v)))
        except ValueError:
            raise ValueError((f"{what_zh}日期格式应为 YYYY-MM-DD：{str(v)[:12]}",
                              f"{what_en} are YYYY-MM-DD dates, not {str(v)[:12]!r}")) from None
    return frozenset(out)


def policy_from(stored: dict | None) -> Policy:
    """The shop's policy from its stored settings (see ``settings_of``); None: the defaults."""
    if not stored:
        return DEFAULT_POLICY
    hours = tuple(_span(v) for v in stored.get("hours") or [])
    try:
        cal = Calendar(tz=stored.get("tz") or "Asia/Shanghai",
                       hours=hours if len(hours) == 7 else Calendar().hours,
                       holidays=_dates(stored.get("holidays", sorted(HOLIDAYS_2026)), "节假日", "holidays"),
                       workdays=_dates(stored.get("workdays", sorted(MAKEUP_WORKDAYS_2026)), "调休上班日",
                                       "make-up days"),
                       makeup_hours=_span(stored.get("makeup_hours")) or DAY_HOURS)
    except ValueError as exc:
        if isinstance(exc.args[0], tuple):
            raise
        raise ValueError(("每天的开始时间必须早于结束时间", "Each day's opening time (HH:MM) must come before its "
                          "closing time")) from None
    targets = {}
    for kind, by_priority in (stored.get("targets") or {}).items():
        for priority, (first, resolve) in by_priority.items():
            targets[(kind, priority)] = Target(timedelta(hours=first), timedelta(hours=resolve))
    return Policy(cal, targets, tuple(stored.get("types") or ()), tuple(stored.get("quick_team") or ()))


def settings_of(policy: Policy, base_types: tuple[str, ...]) -> dict:
    """The policy as plain JSON (stored in the database, shown on the admin page): every type the shop uses ×
    every priority with its two targets in hours."""
    cal = policy.calendar
    kinds = (*base_types, *(k for k in policy.types if k not in base_types))
    return {"tz": cal.tz, "hours": [None if s is None else [_show(s[0]), _show(s[1])] for s in cal.hours],
            "makeup_hours": [_show(cal.makeup_hours[0]), _show(cal.makeup_hours[1])],
            "holidays": sorted(d.isoformat() for d in cal.holidays),
            "workdays": sorted(d.isoformat() for d in cal.workdays),
            "targets": {k: {p: [policy.target(k, p).first_response.total_seconds() / 3600,
                                policy.target(k, p).resolution.total_seconds() / 3600] for p in PRIORITIES}
                        for k in kinds},
            "types": list(policy.types), "quick_team": list(policy.quick_team)}


def check_settings(body: dict) -> dict:
    """Validate settings an admin sends (the shape ``settings_of`` returns); raises ValueError((zh, en)).
    Returns them normalized, ready to store."""
    try:
        ZoneInfo(str(body.get("tz") or ""))
    except (ValueError, KeyError, OSError):
        raise ValueError(("未知时区", f"Unknown time zone {str(body.get('tz'))[:40]!r}")) from None
    hours = body.get("hours")
    if not isinstance(hours, list) or len(hours) != 7:
        raise ValueError(("需要周一到周日 7 天的营业时间", "Opening hours must name all seven weekdays"))
    for key in ("targets",):
        if not isinstance(body.get(key), dict):
            raise ValueError(("缺少时限设置", "Targets are missing"))
    for kind, by_priority in body["targets"].items():
        if not isinstance(by_priority, dict) or set(by_priority) - set(PRIORITIES):
            raise ValueError((f"「{kind[:16]}」的优先级无效", f"Unknown priority under {kind[:16]!r}"))
        for pair in by_priority.values():
            if (not isinstance(pair, list | tuple) or len(pair) != 2
                    or not all(isinstance(h, int | float) and 0 < h <= MAX_TARGET_HOURS for h in pair)):
                raise ValueError((f"时限应为 0–{MAX_TARGET_HOURS} 小时之间的数字",
                                  f"Targets are numbers of hours between 0 and {MAX_TARGET_HOURS}"))
            if pair[0] > pair[1]:
                raise ValueError(("首次响应时限不能长于解决时限",
                                  "The first-response target cannot be longer than the resolution target"))
    types = body.get("types") or []
    if not isinstance(types, list) or len(types) > MAX_TYPES or not all(
            isinstance(k, str) and 0 < len(k.strip()) <= 16 for k in types):
        raise ValueError((f"自定义工单类型最多 {MAX_TYPES} 个，每个 1–16 字",
                          f"At most {MAX_TYPES} ticket types of 1–16 characters"))
    team = body.get("quick_team") or []
    if not isinstance(team, list) or len(team) > MAX_TEAM or not all(isinstance(i, int) and i > 0 for i in team):
        raise ValueError((f"快速响应小组最多 {MAX_TEAM} 人", f"The quick-response team has at most {MAX_TEAM} agents"))
    clean = {**body, "types": list(dict.fromkeys(k.strip() for k in types)), "quick_team": sorted(set(team))}
    policy = policy_from(clean)  # parses hours and dates: raises on a bad one
    if not any(policy.calendar.hours) and not policy.calendar.workdays:
        raise ValueError(("至少需要一天营业", "The shop must be open on at least one day"))
    return {k: clean[k] for k in ("tz", "hours", "makeup_hours", "holidays", "workdays", "targets", "types",
                                  "quick_team") if k in clean}


def rescale(old_cal: Calendar, new_cal: Calendar, at: datetime, old: timedelta, new: timedelta,
            due_at: datetime | None, left: timedelta | None) -> tuple[datetime | None, timedelta | None]:
    """A clock whose target or calendar changed (a new policy, a new priority) keeps the business time it has
    used (counted on the old calendar) and gets the rest of the new target: a running clock a new due time on
    the new calendar, a stopped one a new time left. Returns (due_at, left)."""
    if due_at is not None:
        used = old - business_time_between(old_cal, at, due_at)
        return resume(new_cal, at, new - used), None
    if left is not None:
        return None, new - (old - left)
    return None, None


# ---------------------------------------------------------------- weeks (of the weekly reports)

MIN_YEAR = 2000  # no report goes further back
_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Week:
    year: int
    number: int
    start: datetime  # Monday 00:00 in the shop's time zone, as UTC
    end: datetime  # the next Monday 00:00

    @property
    def id(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def days(self) -> tuple[date, date]:  # the local Monday and Sunday
        monday = date.fromisocalendar(self.year, self.number, 1)
        return monday, monday + timedelta(days=6)


def week_of(day: date, cal: Calendar) -> Week:  # ``day``: a local date
    year, number, weekday = day.isocalendar()
    monday = datetime.combine(day - timedelta(days=weekday - 1), time(0), tzinfo=cal.zone)
    return Week(year, number, monday.astimezone(UTC), (monday + timedelta(days=7)).astimezone(UTC))


def last_complete_week(at: datetime, cal: Calendar) -> Week:
    return week_of(_local_day(cal, at) - timedelta(days=7), cal)


def parse_week(text: str | None, at: datetime, cal: Calendar) -> Week:
    """``2026-W23`` (``2026W23``, ``2026-w23``) → that ISO week; empty → the last complete week. ValueError((zh,
    en)) for anything else, and for a week that does not exist, is before MIN_YEAR or has not started at ``at``."""
    if not text:
        return last_complete_week(at, cal)
    if not (match := _WEEK.match(text)):
        raise ValueError((f"周格式不正确：{text[:20]}（应为 2026-W23 这样的 ISO 周）",
                          f"Bad week {text[:20]!r}: use an ISO week such as 2026-W23"))
    year, number = int(match[1]), int(match[2])
    try:
        week = week_of(date.fromisocalendar(year, number, 1), cal)
    except ValueError:
        raise ValueError((f"{year} 年没有第 {number} 周", f"{year} has no week {number}")) from None
    if year < MIN_YEAR:
        raise ValueError((f"不支持 {MIN_YEAR} 年以前的周", f"Weeks before {MIN_YEAR} are not supported"))
    if week.start > at:
        raise ValueError((f"{week.id} 还没有开始", f"{week.id} has not started yet"))
    return week


def neighbours(week: Week, at: datetime, cal: Calendar) -> tuple[str | None, str | None]:
    """The weeks before and after (ids, for a report's links); None where parse_week would refuse one."""
    before, after = (week_of(week.days[0] + timedelta(days=n), cal) for n in (-7, 7))
    return before.id if before.year >= MIN_YEAR else None, after.id if after.start <= at else None
