"""The error ledger's request bodies and how an entry and the weekly report are shown (JSON and CSV)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import BaseModel, Field

from kefu.core.clock import as_utc, iso, now
from kefu.ledger import rules
from kefu.ledger.models import LedgerEntry, LedgerUpdate
from kefu.privacy.rules import mask_text

# Bodies are capped well above the rules' limits, so an over-long text gets the rules' own clear message.
_CAP = 10_000


class EntryIn(BaseModel):
    ticket: str = Field(max_length=32, description="the ticket's number, e.g. T-7K3QX9")
    kind: str = Field(max_length=32, description="wrong_shipment / refund_delay / wrong_processing / other")
    description: str = Field(max_length=_CAP)
    department: str | None = Field(default=None, max_length=200, description="default: by kind (rules.DEFAULTS)")
    cause: str | None = Field(default=None, max_length=200, description="root cause; default: by kind")
    owner_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="default: the ticket's assignee")


class EntryPatch(BaseModel):
    owner_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    department: str | None = Field(default=None, max_length=200)
    cause: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=_CAP)


class UpdateIn(BaseModel):
    text: str = Field(max_length=_CAP, description="what the buyer was told")
    via: str = Field(default="phone", max_length=16, description="phone / chat / sms / other")


def _pair(value: str, table: dict[str, str]) -> dict:
    return {"zh": value, "en": rules.label(value, "en", table)}


def entry_out(e: LedgerEntry, number: str, title: str, owner_name: str | None,
              updates: list[LedgerUpdate] | None = None, at: datetime | None = None) -> dict:
    due = as_utc(e.next_update_due_at)
    zh, en = rules.KINDS[e.kind]
    out = {"id": e.id, "ticket": {"number": number, "title": title}, "kind": e.kind, "kind_label": {"zh": zh, "en": en},
           "owner_id": e.owner_id, "owner_name": owner_name, "department": e.department,
           "department_label": _pair(e.department, rules.DEPARTMENTS), "cause": e.cause,
           "cause_label": _pair(e.cause, rules.CAUSES), "description": e.description, "status": e.status,
           "state": rules.state(due, e.status == "resolved", at or now()), "created_at": iso(e.created_at),
           "resolved_at": iso(e.resolved_at), "last_update_at": iso(e.last_update_at), "next_update_due_at": iso(due),
           "updates": e.updates, "missed": e.missed}
    if updates is not None:
        out["history"] = [{"at": iso(u.created_at), "via": u.via, "via_label": dict(zip(("zh", "en"),
                                                                                       rules.VIA[u.via], strict=True)),
                           "agent_id": u.agent_id, "text": u.text} for u in updates]
    return out


CSV_HEAD = {"zh": ("周", "维度", "名称", "数量", "已解决", "漏报进度次数", "示例"),
            "en": ("Week", "Dimension", "Name", "Count", "Resolved", "Missed updates", "Examples")}
DIMENSIONS = {"by_cause": ("根因", "Root cause", rules.CAUSES), "by_department": ("责任部门", "Department",
                                                                                   rules.DEPARTMENTS),
              "by_kind": ("失误类型", "Error type", None)}


def line_name(dimension: str, name: str, lang: str) -> str:
    table = DIMENSIONS[dimension][2]
    if table is None:
        zh, en = rules.KINDS[name]
        return en if lang == "en" else zh
    return rules.label(name, lang, table)


def _cell(value):
    """A buyer's phone, ID number or address masked (an export leaves the shop); text Excel would read as a
    formula (=, +, -, @ first) kept as text."""
    if isinstance(value, str):
        value = mask_text(value)
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def report_csv(week: str, report: dict, lang: str) -> str:
    """The weekly report as CSV for Excel: UTF-8 with a byte-order mark (else Excel reads Chinese as GBK), one
    row per line of each dimension, examples as 「T-XXXXXX 描述」 joined by semicolons."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEAD[lang])
    for dimension, (zh, en, _table) in DIMENSIONS.items():
        for line in report[dimension]:
            examples = "; ".join(f"{x['number']} {x['description']}" for x in line["examples"])
            writer.writerow([_cell(v) for v in (week, en if lang == "en" else zh,
                                                line_name(dimension, line["name"], lang), line["count"],
                                                line["resolved"], line["missed"], examples)])
    return "\ufeff" + out.getvalue()
