"""The error ledger's policy, pure: kinds of seller-side errors, default departments and root causes, the
2-hour progress-update rule in business time, and the weekly root-cause report.

A seller-side error (a wrong or missing item shipped, a refund paid late, a request handled wrongly) is
logged against its ticket. Until the entry is resolved the buyer hears how it is going at least every 2
business hours: the next update is due 2 business hours after the entry opened or after the last update the
buyer received, counted in the shop's calendar (kefu.sla.rules), so an entry opened on Friday at 17:30 is
next due on Monday at 10:30, not on Saturday. Every week the entries are counted by root cause and by
department, so the same mistake is fixed at its source (DOMAIN.md, seed 003).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kefu.sla.rules import Calendar, add_business_time
from kefu.tickets.rules import clean_field

UPDATE_EVERY = timedelta(hours=2)  # business time between two progress updates to the buyer
DUE_SOON = timedelta(minutes=30)  # wall time before the due time when the entry turns amber
LABEL_CHARS = 20  # a department or root cause the shop types itself
DESCRIPTION_CHARS = 2000
UPDATE_CHARS = 1000
EXAMPLES = 3  # example entries per line of the weekly report
EXAMPLE_CHARS = 60

# kind → (zh, en)
KINDS: dict[str, tuple[str, str]] = {
    "wrong_shipment": ("错发/漏发", "Wrong or missing item shipped"),
    "refund_delay": ("退款延迟", "Refund delayed"),
    "wrong_processing": ("处理错误", "Handled wrongly"),
    "other": ("其他", "Other"),
}
# Responsible departments and root causes a shop starts with (zh → en); it may type its own.
DEPARTMENTS: dict[str, str] = {"仓储": "Warehouse", "物流": "Logistics", "客服": "Customer service",
                               "财务": "Finance", "运营": "Operations", "技术": "IT"}
CAUSES: dict[str, str] = {"拣货错误": "Picking error", "系统故障": "System fault", "流程缺失": "Missing process step",
                          "沟通失误": "Miscommunication", "人为疏忽": "Human oversight", "其他": "Other"}
# What an entry of each kind most often turns out to be, until someone knows better.
DEFAULTS: dict[str, tuple[str, str]] = {"wrong_shipment": ("仓储", "拣货错误"), "refund_delay": ("财务", "流程缺失"),
                                        "wrong_processing": ("客服", "人为疏忽"), "other": ("客服", "其他")}
# How a progress update reached the buyer: a reply on the ticket, or by hand.
VIA: dict[str, tuple[str, str]] = {"reply": ("工单回复", "Ticket reply"), "phone": ("电话", "Phone call"),
                                   "chat": ("在线消息", "Chat message"), "sms": ("短信", "Text message"),
                                   "other": ("其他方式", "Other")}
MANUAL_VIA = ("phone", "chat", "sms", "other")
VIEWS = ("open", "overdue", "all")
STATES = ("on_track", "due_soon", "overdue", "resolved")


def next_update_due(cal: Calendar, last: datetime) -> datetime:
    """When the buyer must next hear from the shop: 2 business hours after ``last`` (the entry opened or the
    buyer last received an update). Out of hours the count starts at the next opening."""
    return add_business_time(cal, last, UPDATE_EVERY).astimezone(UTC)


def is_overdue(next_due: datetime | None, now: datetime) -> bool:
    """An open entry whose update is due (a resolved entry has no due time and is never overdue)."""
    return next_due is not None and now >= next_due


def state(next_due: datetime | None, resolved: bool, now: datetime) -> str:
    """How an entry shows: resolved; overdue (red) once its update is due; due_soon within 30 minutes."""
    if resolved or next_due is None:
        return "resolved"
    if is_overdue(next_due, now):
        return "overdue"
    return "due_soon" if next_due - now <= DUE_SOON else "on_track"


def check_choice(value: str, allowed, zh: str, en: str) -> str:
    if value not in allowed:
        raise ValueError((f"{zh}无效：{value[:20]}（可选：{'、'.join(allowed)}）",
                          f"Unknown {en} {value[:20]!r} (one of: {', '.join(allowed)})"))
    return value


def clean_label(value: str, zh: str, en: str) -> str:
    """A department or root cause: one of the defaults or the shop's own word, on one line, at most 20 chars."""
    return clean_field(" ".join(value.split()), zh, en, required=True, max_chars=LABEL_CHARS)


def label(value: str, lang: str, table: dict[str, str]) -> str:
    """A department or cause in the reader's language (the shop's own words stay as typed)."""
    return table.get(value, value) if lang == "en" else value


# ---------------------------------------------------------------- the weekly root-cause report

@dataclass(frozen=True)
class ReportRow:
    """One entry opened in the week, as the report needs it."""

    number: str  # the ticket's number
    kind: str
    department: str
    cause: str
    description: str
    resolved: bool
    missed: int  # updates that fell due without one


def _lines(rows: list[ReportRow], key) -> list[dict]:
    groups: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [{"name": name, "count": len(group), "resolved": sum(r.resolved for r in group),
             "missed": sum(r.missed for r in group),
             "examples": [{"number": r.number, "description": shorten(r.description)} for r in group[:EXAMPLES]]}
            for name, group in ordered]


def shorten(text: str, limit: int = EXAMPLE_CHARS) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[:limit - 1] + "…"


def weekly_report(rows: list[ReportRow]) -> dict:
    """The week's entries counted by root cause, by department and by kind (most first), each line with how
    many are resolved, how many updates were missed, and a few example entries; and the totals."""
    return {"total": len(rows), "resolved": sum(r.resolved for r in rows), "missed": sum(r.missed for r in rows),
            "by_cause": _lines(rows, lambda r: r.cause), "by_department": _lines(rows, lambda r: r.department),
            "by_kind": _lines(rows, lambda r: r.kind)}
