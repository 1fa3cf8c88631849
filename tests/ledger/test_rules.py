"""The error ledger's pure rules (kefu.ledger.rules): the next progress update is due 2 business hours after
the last one — across evenings, weekends, the National Day holiday and a make-up Saturday —, when an entry
shows overdue, the weekly root-cause counts, and the CSV Excel opens (the report's ISO weeks are tested in
tests/sla/test_weeks.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.ledger import rules
from kefu.ledger.rules import ReportRow
from kefu.ledger.schemas import report_csv
from kefu.sla.rules import Calendar

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar()  # weekdays 9:00-18:00 Beijing time, 2026's holidays and make-up days


def at(m, d, hh, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SH)


@pytest.mark.parametrize(("opened", "due"), [
    (at(12, 7, 10), at(12, 7, 12)),  # Monday morning: two hours later
    (at(12, 7, 17), at(12, 8, 10)),  # an hour before closing: the second hour is Tuesday's first
    (at(12, 8, 20), at(12, 9, 11)),  # Tuesday evening: counted from Wednesday's opening
    (at(12, 4, 17, 30), at(12, 7, 10, 30)),  # Friday 17:30: half an hour, then Monday 9:00 + 1.5 h
    (at(12, 5, 11), at(12, 7, 11)),  # a Saturday: Monday 11:00, never over the weekend
    (at(9, 30, 17), at(10, 8, 10)),  # the day before National Day: 1 h, closed 1-7 Oct, Thursday 8th
    (at(10, 9, 17), at(10, 10, 10)),  # Friday 9 Oct: Saturday the 10th is a make-up working day (调休)
    (at(5, 8, 17), at(5, 9, 10)),  # Friday 8 May: Saturday the 9th is one too, after the 1-5 May holiday
    (at(4, 30, 17), at(5, 6, 10)),  # the day before Labour Day: closed 1-5 May, then Wednesday 6th
])
def test_the_next_update_is_due_two_business_hours_later(opened, due):
    assert rules.next_update_due(CAL, opened) == due
    assert rules.next_update_due(CAL, opened).tzinfo == UTC  # stored as an instant


def test_an_entry_is_overdue_from_its_due_time_and_amber_half_an_hour_before():
    due = at(12, 7, 12)
    assert rules.state(due, False, at(12, 7, 11, 29)) == "on_track"
    assert rules.state(due, False, at(12, 7, 11, 30)) == "due_soon"
    assert rules.state(due, False, at(12, 7, 12)) == "overdue"  # the due instant itself is late
    assert rules.is_overdue(due, at(12, 7, 12)) and not rules.is_overdue(due, at(12, 7, 11, 59))
    assert rules.state(None, True, at(12, 8, 9)) == "resolved"  # a resolved entry is never overdue
    assert not rules.is_overdue(None, at(12, 31, 9))


def test_kinds_departments_and_causes_have_defaults_and_the_shop_may_type_its_own():
    assert set(rules.KINDS) == {"wrong_shipment", "refund_delay", "wrong_processing", "other"}
    assert rules.KINDS["wrong_shipment"][0] == "错发/漏发"
    for department, cause in rules.DEFAULTS.values():
        assert department in rules.DEPARTMENTS and cause in rules.CAUSES
    assert rules.clean_label("  包装\n供应商 ", "责任部门", "Department") == "包装 供应商"
    with pytest.raises(ValueError) as too_long:
        rules.clean_label("长" * 21, "责任部门", "Department")
    zh, en = too_long.value.args[0]
    assert "20" in zh and "20" in en
    with pytest.raises(ValueError):
        rules.clean_label(" \n ", "根因", "Root cause")
    with pytest.raises(ValueError):
        rules.check_choice("lost_parcel", tuple(rules.KINDS), "失误类型", "error type")
    assert rules.label("仓储", "en", rules.DEPARTMENTS) == "Warehouse"
    assert rules.label("包装供应商", "en", rules.DEPARTMENTS) == "包装供应商"  # the shop's own word stays


def _rows() -> list[ReportRow]:
    return [ReportRow("T-AAAAA1", "wrong_shipment", "仓储", "拣货错误", "发成了 M 码", True, 0),
            ReportRow("T-AAAAA2", "wrong_shipment", "仓储", "拣货错误", "少发一件", False, 2),
            ReportRow("T-AAAAA3", "wrong_shipment", "仓储", "拣货错误", "颜色错了", True, 0),
            ReportRow("T-AAAAA4", "wrong_shipment", "仓储", "拣货错误", "赠品漏发", True, 1),
            ReportRow("T-AAAAA5", "refund_delay", "财务", "系统故障", "退款接口超时 " * 10, False, 1),
            ReportRow("T-AAAAA6", "wrong_processing", "客服", "拣货错误", "备注没看到", True, 0)]


def test_the_weekly_report_counts_by_cause_and_department_with_a_few_examples():
    r = rules.weekly_report(_rows())
    assert (r["total"], r["resolved"], r["missed"]) == (6, 4, 4)
    assert [(x["name"], x["count"], x["resolved"]) for x in r["by_cause"]] == [("拣货错误", 5, 4), ("系统故障", 1, 0)]
    assert [(x["name"], x["count"]) for x in r["by_department"]] == [("仓储", 4), ("客服", 1), ("财务", 1)]
    assert [x["name"] for x in r["by_kind"]] == ["wrong_shipment", "refund_delay", "wrong_processing"]
    picking = r["by_cause"][0]
    assert [x["number"] for x in picking["examples"]] == ["T-AAAAA1", "T-AAAAA2", "T-AAAAA3"]  # three at most
    long = r["by_cause"][1]["examples"][0]["description"]
    assert len(long) == rules.EXAMPLE_CHARS and long.endswith("…")
    assert rules.weekly_report([]) == {"total": 0, "resolved": 0, "missed": 0, "by_cause": [], "by_department": [],
                                       "by_kind": []}


def test_the_csv_opens_in_excel_with_chinese_intact():
    rows = [*_rows(), ReportRow("T-AAAAA7", "other", "=HYPERLINK(1)", "其他", "-1", False, 0)]
    text = report_csv("2026-W49", rules.weekly_report(rows), "zh")
    assert text.startswith("\ufeff")  # the byte-order mark Excel needs to read UTF-8
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == ["周", "维度", "名称", "数量", "已解决", "漏报进度次数", "示例"]
    assert table[1][:6] == ["2026-W49", "根因", "拣货错误", "5", "4", "3"]
    assert table[1][6].startswith("T-AAAAA1 发成了 M 码; T-AAAAA2 少发一件")
    assert table[4][:6] == ["2026-W49", "责任部门", "仓储", "4", "3", "3"]
    assert any(row[2] == "'=HYPERLINK(1)" for row in table)  # never a formula
    english = list(csv.reader(io.StringIO(report_csv("2026-W49", rules.weekly_report(rows), "en")[1:])))
    assert english[0][:3] == ["Week", "Dimension", "Name"] and english[1][1:3] == ["Root cause", "Picking error"]
    assert ["Error type", "Wrong or missing item shipped"] in [row[1:3] for row in english]
