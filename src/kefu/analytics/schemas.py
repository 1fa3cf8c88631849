"""The weekly review as people read it: labels for the keys the rules return (statuses, departments, causes …)
in the page's language, and the CSV export — UTF-8 with a BOM so Excel opens the Chinese, one file with a
titled section per table, or one table alone (``part``) for a pivot table."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from kefu.analytics import rules
from kefu.privacy.rules import mask_text
from kefu.tickets.rules import LABELS

_PREFIX = {"party": "rv_party_", "cause": "rv_cause_", "kind": "rv_kind_", "priority": "tk_prio_",
           "clock": "tk_clock_"}
_SPECIAL = {("group", rules.UNASSIGNED): "rv_group_unassigned", ("group", rules.UNKNOWN): "rv_group_unknown",
            ("intent", rules.NO_INTENT): "rv_intent_none"}


class Labels:
    """The words for the keys of the report in one language: ``Labels(t, "zh")("status", "waiting_courier")``
    → 等待快递. Unknown keys (a shop's own ticket type or group) read as themselves."""

    def __init__(self, t: dict, lang: str) -> None:
        self.t, self.lang = t, lang

    def __call__(self, what: str, key: str | None) -> str:
        return label(self.t, self.lang, what, key)

    def join(self, words) -> str:
        return ("; " if self.lang == "en" else "、").join(words)


def label(t: dict, lang: str, what: str, key: str | None) -> str:
    key = key or ""
    if what == "tag":  # the shop's own words
        return key
    if what == "status":
        pair = LABELS.get(key)
        return (pair[1] if lang == "en" else pair[0]) if pair else key
    special = _SPECIAL.get((what, key))
    if special:
        return t[special]
    prefix = {"group": "group_", "intent": "intent_"}.get(what) or _PREFIX.get(what, "")
    return t.get(prefix + key, key)


@dataclass(frozen=True)
class Table:
    part: str
    title: str
    header: list[str]
    rows: list[list]


PARTS = ("summary", "status", "department", "party", "tag", "stalled", "breaches", "volume")


def _median(t: dict, m: dict) -> str:
    if not m["n"]:
        return "—"
    return t["rv_median_value"].format(wall=m["wall_h"], business=m["business_h"], n=m["n"])


def _h(t: dict, *keys: str) -> list[str]:
    """Column headers of hour values, with the unit (the page says it once, a CSV on every column)."""
    return [t[k] + t["rv_unit_h"] for k in keys]


def _time_cols(t: dict) -> list[str]:
    return [t["rv_col_tickets"], *_h(t, "rv_col_wall", "rv_col_business", "rv_col_avg", "rv_col_max")]


def _time_vals(row: dict) -> list:
    return [row["tickets"], row["wall_h"], row["business_h"], row["avg_wall_h"], row["max_wall_h"]]


def _split_cols(t: dict) -> list[str]:
    return [t["rv_col_tickets"], *_h(t, "rv_col_wall", "rv_col_with_shop", "rv_col_waiting", "rv_col_business")]


def _split_vals(row: dict) -> list:
    return [row["tickets"], row["wall_h"], row["with_shop_h"], row["waiting_h"], row["business_h"]]


def waited(lb: Labels, item: dict) -> str:
    return lb.join(lb.t["rv_waited_item"].format(party=lb("party", p), h=h) for p, h in item["waited_h"].items())


def local_time(value: str | None, tz) -> str:
    return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def tables(report: dict, lb: Labels, tz) -> list[Table]:
    """Every table of the review, in page order, in the labels' language."""
    t = lb.t
    wk, time, br, vol = report["week"], report["time"], report["breaches"], report["volume"]
    summary = [[t["rv_week_label"], wk["id"]], [t["rv_period"], f"{wk['first_day']} – {wk['last_day']}"],
               [t["rv_active"], time["tickets"]], [t["rv_created"], vol["created"]],
               [t["rv_resolved"], vol["resolved"]], [t["rv_closed"], vol["closed"]],
               [t["rv_reopened"], vol["reopened"]], [t["rv_breaches"], br["total"]],
               [t["rv_median_first_response"], _median(t, vol["first_response"])],
               [t["rv_median_resolution"], _median(t, vol["resolution"])]]
    stalled = [[s["number"], s["title"], lb("kind", s["kind"]), lb("status", s["status"]), s["wall_h"],
                s["business_h"], lb("status", s["longest_status"]), s["longest_h"], s.get("owner_name") or "",
                lb("group", s["group"])] for s in time["stalled"]]
    breaches = [[b["number"], b["title"], lb("kind", b["kind"]), lb("clock", b["clock"]),
                 local_time(b["at"], tz), lb("status", b["status_then"]), b.get("owner_name") or "",
                 lb("group", b["group"]), waited(lb, b), lb.join(lb("cause", c) for c in b["causes"])]
                for b in br["items"]]
    volume = [[t[f"rv_sec_{dim}"], lb(dim, row["key"]), row["count"]]
              for dim, rows in (("kind", vol["by_kind"]), ("priority", vol["by_priority"]),
                                ("intent", vol["by_intent"])) for row in rows]
    return [
        Table("summary", t["rv_sec_summary"], [t["rv_col_metric"], t["rv_col_value"]], summary),
        Table("status", t["rv_sec_status"], [t["rv_col_status"], *_time_cols(t)],
              [[lb("status", r["status"]), *_time_vals(r)] for r in time["statuses"]]),
        Table("department", t["rv_sec_department"], [t["rv_col_group"], *_split_cols(t)],
              [[lb("group", r["group"]), *_split_vals(r)] for r in time["departments"]]),
        Table("party", t["rv_sec_party"], [t["rv_col_party"], *_time_cols(t)],
              [[lb("party", r["party"]), *_time_vals(r)] for r in time["parties"]]),
        Table("tag", t["rv_sec_tag"], [t["rv_col_tag"], *_split_cols(t)],
              [[r["tag"], *_split_vals(r)] for r in time["tags"]]),
        Table("stalled", t["rv_sec_stalled"],
              [t["rv_col_number"], t["rv_col_title"], t["rv_col_kind"], t["rv_col_now"],
               *_h(t, "rv_col_wall", "rv_col_business"), t["rv_col_longest"], *_h(t, "rv_col_longest_h"),
               t["rv_col_owner"], t["rv_col_group"]],
              stalled),
        Table("breaches", t["rv_sec_breaches"],
              [t["rv_col_number"], t["rv_col_title"], t["rv_col_kind"], t["rv_col_clock"], t["rv_col_at"],
               t["rv_col_then"], t["rv_col_owner"], t["rv_col_group"], t["rv_col_waited"], t["rv_col_causes"]],
              breaches),
        Table("volume", t["rv_sec_volume"], [t["rv_col_dimension"], t["rv_col_key"], t["rv_col_count"]], volume),
    ]


def _cell(value) -> str:
    """A cell as text, a buyer's phone, ID number or address in it masked (an export leaves the shop); one that
    Excel would run as a formula (=, +, -, @ first) is quoted with a leading '."""
    text = "" if value is None else mask_text(value) if isinstance(value, str) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(parts: list[Table], part: str | None = None) -> bytes:
    """UTF-8 with a BOM. All tables, each after a line with its title and followed by a blank line; or only
    ``part`` (one header row, then its rows)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for table in parts:
        if part is not None and table.part != part:
            continue
        if part is None:
            writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows([[_cell(v) for v in row] for row in table.rows])
        if part is None:
            writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
