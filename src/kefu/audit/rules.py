"""Pure rules of the audit log: the actions it knows, what a detail may hold (never a secret or a full phone),
how a shop's calendar days become a time range, and the CSV export's cells."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from kefu.core.logs import mask_mobiles

ACTIONS = (
    "login", "login_failed",
    "agent.created", "agent.role_changed", "agent.disabled", "agent.enabled", "agent.unlocked",
    "settings.sla", "settings.aftersale_policy", "settings.compensation_limits", "settings.orders",
    "settings.notifications", "settings.embed_origins",
    "export.kb", "export.review", "export.ledger", "export.audit",
    "order.verified",
    "pii.revealed", "buyer.exported", "buyer.erased", "settings.retention", "retention.run",
)
FAILED_LOGIN_REASONS = ("bad_password", "unknown_user", "locked", "disabled")
PAGE = 50  # entries a page
EXPORT_CAP = 50_000  # rows one CSV export holds at most
SYSTEM, UNKNOWN = "system", "unknown"

# Keys whose text values never enter the log, wherever they sit in a detail.
_SECRET_KEY = re.compile(r"pass|token|secret|last4|digits|cookie|signature|authorization|api_?key", re.I)
MAX_TEXT, MAX_ITEMS, MAX_DEPTH = 300, 60, 6


def scrub(value, depth: int = 0, secret: bool = False):
    """A detail as it may be stored: any text or number under a secret-named key replaced by *** (whether one
    is set, a bool, stays), phone numbers masked, text, lists and nesting bounded (a huge settings body cannot
    bloat a row that can never be deleted)."""
    if depth > MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        out = {}
        for i, (k, v) in enumerate(value.items()):
            if i >= MAX_ITEMS:
                out["…"] = f"+{len(value) - MAX_ITEMS}"
                break
            key = str(k)[:64]
            out[key] = scrub(v, depth + 1, secret or bool(_SECRET_KEY.search(key)))
        return out
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        kept = [scrub(v, depth + 1, secret) for v in items[:MAX_ITEMS]]
        return [*kept, f"+{len(items) - MAX_ITEMS}"] if len(items) > MAX_ITEMS else kept
    if isinstance(value, bool) or value is None:
        return value
    if secret:
        return "***" if value != "" else ""
    if isinstance(value, str):
        text = mask_mobiles(value)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return scrub(str(value), depth + 1)


def changes(before: dict | None, after: dict) -> dict:
    """Only what differs, as {key: [before, after]} (a whole policy's before/after would be mostly noise)."""
    before = before or {}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


def site(url: str) -> str:
    """An address cut to its scheme and host: a webhook's path or query may carry a key (企业微信's ?key=…)."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}" if parts.scheme else ""


def day_range(since: date | None, until: date | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """The shop's calendar days ``since`` .. ``until`` (both included) as [start, end) instants in UTC (SQLite
    compares stored times as UTC text: a time in another zone would be compared by its wall clock)."""
    if since is not None and until is not None and since > until:
        raise ValueError(("开始日期晚于结束日期", "The start date is after the end date"))
    zone = ZoneInfo(tz)
    start = datetime.combine(since, time(0), zone).astimezone(UTC) if since is not None else None
    end = datetime.combine(until + timedelta(days=1), time(0), zone).astimezone(UTC) if until is not None else None
    return start, end


def search_forms(q: str) -> list[str]:
    """What a free-text search looks for, lower-cased: the text, and the text as JSON writes it (a detail's
    Chinese is stored as \\u escapes)."""
    q = q.strip().lower()
    if not q:
        return []
    escaped = json.dumps(q)[1:-1]
    return [q] if escaped == q else [q, escaped]


def cell(value) -> str:
    """Text Excel would run as a formula (=, +, -, @ first) is kept as text."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_chunk(rows: Iterable[Iterable], head: Iterable[str] | None = None) -> str:
    """CSV lines for Excel (a byte-order mark before the head row, else it reads Chinese as GBK)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if head is not None:
        out.write("\ufeff")
        writer.writerow([cell(h) for h in head])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
