"""Who may do what. Pure functions, unit-tested without a database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from kefu.agents.models import GROUPS, PRESENCES, ROLES
from kefu.core.errors import BadInput, KefuError

# Everyone on the service team works the inbox; only some see the floor or manage people.
CHAT_ROLES = frozenset(ROLES)
SUPERVISE_ROLES = frozenset({"supervisor", "admin"})
ADMIN_ROLES = frozenset({"admin"})

# Roles the router gives buyers: they start online at login. The others (supervisor, trainer, admin) start
# away, watching without being routed to, until they set themselves online.
ROUTABLE_ROLES = frozenset({"agent", "senior", "emotion_support"})

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8


def check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise BadInput("登录名只能使用小写字母、数字、点、横线和下划线，2 到 64 位",
                       "Username: 2-64 lowercase letters, digits, dot, dash or underscore",
                       code="bad_username")
    return username


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise BadInput(f"密码至少 {MIN_PASSWORD} 位", f"Password needs at least {MIN_PASSWORD} characters",
                       code="weak_password")
    return password


def _one_of(value: str, allowed: tuple[str, ...], zh: str, en: str, code: str) -> str:
    if value not in allowed:
        raise BadInput(f"未知{zh}：{value}（可选：{'、'.join(allowed)}）", f"Unknown {en}: {value}", code=code)
    return value


def check_role(role: str) -> str:
    return _one_of(role, ROLES, "角色", "role", "bad_role")


def check_group(group: str) -> str:
    return _one_of(group, GROUPS, "分组", "group", "bad_group")


def check_presence(presence: str) -> str:
    return _one_of(presence, PRESENCES, "状态", "presence", "bad_presence")


def check_max_chats(value: int) -> int:
    if not 1 <= int(value) <= 50:
        raise BadInput("同时接待数应在 1 到 50 之间", "Max concurrent chats must be 1-50", code="bad_max_chats")
    return int(value)


def parse_skills(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else re.split(r"[,，、\s]+", value)
    seen: list[str] = []
    for item in items:
        item = item.strip()
        if item and item not in seen:
            seen.append(item[:32])
    return seen[:20]


def may(role: str, allowed: frozenset[str]) -> bool:
    return role in allowed


def is_silent(last_seen: datetime | None, at: datetime, silent_seconds: float) -> bool:
    """An agent not seen for ``silent_seconds`` (never seen counts as silent); 0 turns the check off."""
    if silent_seconds <= 0:
        return False
    return last_seen is None or at - last_seen >= timedelta(seconds=silent_seconds)


def presence_at_login(role: str) -> str:
    return "online" if role in ROUTABLE_ROLES else "away"


def absent(role: str, presence: str, reason: str | None = None) -> bool:
    """Nobody is at the desk to answer the agent's chats: offline, set away by the silence check, or away
    for a role that is routed to (a supervisor who is away is only not taking new buyers)."""
    if presence == "offline":
        return True
    return presence == "away" and (role in ROUTABLE_ROLES or reason == "silent")


# ---------------------------------------------------------------- guessing passwords
ACCOUNT_FREE_FAILURES = 5  # wrong passwords in a row an account may have before it must wait
ACCOUNT_FIRST_LOCK = timedelta(minutes=1)  # then 1, 2, 4, 8, 16 minutes, at most 30, per further failure
ACCOUNT_MAX_LOCK = timedelta(minutes=30)
ACCOUNT_FORGET = timedelta(hours=24)  # failures this old no longer count
IP_FREE_FAILURES = 30  # wrong logins from one address within IP_WINDOW before it must wait IP_LOCK
IP_WINDOW = timedelta(minutes=15)
IP_LOCK = timedelta(minutes=15)


def throttle_keys(username: str, ip: str | None) -> list[str]:
    keys = ["user:" + (username or "").strip().lower()[:64]]
    if ip:
        keys.append("ip:" + ip[:64])
    return keys


def count_failure(key: str, failures: int, window_started_at: datetime | None, last_failure_at: datetime | None,
                  at: datetime) -> tuple[int, datetime, datetime | None]:
    """One more failure for ``key``: (failures now, window start, locked until or None)."""
    if key.startswith("ip:"):
        if window_started_at is None or at - window_started_at > IP_WINDOW:
            failures, window_started_at = 0, at
        failures += 1
        return failures, window_started_at, at + IP_LOCK if failures >= IP_FREE_FAILURES else None
    if last_failure_at is None or at - last_failure_at > ACCOUNT_FORGET:
        failures, window_started_at = 0, at
    failures += 1
    if failures < ACCOUNT_FREE_FAILURES:
        return failures, window_started_at, None
    lock = min(ACCOUNT_FIRST_LOCK * 2 ** (failures - ACCOUNT_FREE_FAILURES), ACCOUNT_MAX_LOCK)
    return failures, window_started_at, at + lock


def locked_out(until: datetime, at: datetime) -> KefuError:
    """429 with how long to wait, the same words whether the account exists or not."""
    seconds = max(1, int((until - at).total_seconds() + 0.999))
    minutes = (seconds + 59) // 60
    return KefuError(f"登录失败次数过多，请 {minutes} 分钟后再试；如需立即登录，请联系店铺管理员解锁",
                     f"Too many failed logins. Try again in {minutes} min, or ask the shop admin to unlock "
                     "the account", code="login_locked", status=429, extra={"retry_after": seconds})
