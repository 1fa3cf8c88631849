"""The review's CSV: UTF-8 with a BOM, a titled section per table or one table alone, headers and labels in the
caller's language, and no cell that Excel would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from kefu.analytics import rules
from kefu.analytics.rules import ChangeRow, TicketRow
from kefu.analytics.schemas import PARTS, Labels, Table, tables, to_csv
from kefu.core.clock import iso
from kefu.sla.rules import Calendar, parse_week
from kefu.web.i18n import strings

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar()


def report() -> dict:
    now = datetime(2026, 6, 20, tzinfo=SH)
    week = parse_week("2026-W23", now, CAL)
    t = TicketRow(id=1, number="T-ABCDEF", title="=HYPERLINK(\"http://x\")", kind="售后", priority="high",
                  status="in_progress", created_at=datetime(2026, 6, 2, 9, tzinfo=SH), assignee_id=None,
                  tags=("-负数标签",), intent="logistics")
    changes = {1: [ChangeRow(1, datetime(2026, 6, 2, 10, tzinfo=SH), "status", "open", "waiting_courier"),
                   ChangeRow(1, datetime(2026, 6, 4, 10, tzinfo=SH), "status", "waiting_courier", "in_progress"),
                   ChangeRow(1, datetime(2026, 6, 5, 15, tzinfo=SH), "sla_breached", None, "first_response")]}
    body = rules.review([t], changes, week, now, CAL, {})
    for item in body["breaches"]["items"]:
        item["at"], item["owner_name"] = iso(item["at"]), None
    for item in body["time"]["stalled"]:
        item["owner_name"] = None
    return {"week": {"id": week.id, "first_day": "2026-06-01", "last_day": "2026-06-07"}, **body}


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_one_file_holds_every_table_under_its_title_in_chinese():
    rows = parse(to_csv(tables(report(), Labels(strings("zh"), "zh"), SH)))
    titles = [r[0] for i, r in enumerate(rows) if len(r) == 1 and (i == 0 or rows[i - 1] == [])]
    assert titles == ["概览", "各状态停留时长", "按部门：工单卡在谁手里", "按等待对象：在等谁", "按标签",
                      "停留最久的工单", "超时及原因", "工单量"]
    assert ["周", "2026-W23"] in rows and ["新建", "1"] in rows and ["超时次数", "1"] in rows
    # Tuesday 10:00 → Thursday 10:00 on the courier: 48 h, 18 of them business hours
    assert ["等待快递", "1", "48.0", "18.0", "48.0", "48.0"] in rows
    # Thursday 10:00 → Sunday 24:00 in progress: 86 h (Thursday 8 and Friday 9 business hours)
    assert ["处理中", "1", "86.0", "17.0", "86.0", "86.0"] in rows
    assert ["未分配", "1", "135.0", "87.0", "48.0", "36.0"] in rows
    breach = next(r for r in rows if r[:1] == ["T-ABCDEF"] and "首次响应" in r)
    assert breach[4:] == ["2026-06-05 15:00", "处理中", "", "未分配", "快递 48.0 小时", "无人负责"]
    assert ["按会话意图", "物流查询", "1"] in rows and ["按优先级", "高", "1"] in rows


def test_a_part_is_one_table_with_one_header_and_english_labels():
    rows = parse(to_csv(tables(report(), Labels(strings("en"), "en"), SH), "breaches"))
    assert rows[0] == ["Ticket", "Title", "Type", "Clock", "Breached at", "Status then", "Owner", "Department",
                       "Waited before", "Causes"]
    assert rows[1][2:] == ["After-sale", "First response", "2026-06-05 15:00", "In progress", "", "Unassigned",
                           "Courier 48.0 h", "Nobody owned it"]
    assert len(rows) == 2
    assert set(PARTS) == {t.part for t in tables(report(), Labels(strings("en"), "en"), SH)}


def test_cells_excel_would_run_as_formulas_are_quoted_but_numbers_are_not():
    rows = parse(to_csv(tables(report(), Labels(strings("zh"), "zh"), SH)))
    stalled = next(r for r in rows if r[:1] == ["T-ABCDEF"])
    assert stalled[1] == "'=HYPERLINK(\"http://x\")"
    assert ["'-负数标签", "1", "135.0", "87.0", "48.0", "36.0"] in rows
    numbers = parse(to_csv([Table("x", "X", ["n"], [[-1.5], ["-3"], ["@SUM(A1)"], ["+86 138"]])], "x"))
    assert numbers == [["n"], ["-1.5"], ["-3"], ["'@SUM(A1)"], ["'+86 138"]]
