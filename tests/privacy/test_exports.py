"""What leaves the shop as a file keeps buyers' details masked: the weekly ticket review and the error ledger's
report (ticket titles and error descriptions often quote the buyer), and the access log."""

from __future__ import annotations

import csv
import io
import logging

from kefu.analytics.schemas import Table, to_csv
from kefu.core import logs
from kefu.ledger import rules
from kefu.ledger.schemas import report_csv
from tests.privacy.helpers import ADDRESS, PHONE


def test_the_weekly_review_csv_masks_a_phone_in_a_ticket_title_and_keeps_numbers():
    table = Table("stalled", "久未处理", ["工单", "标题", "小时"], [["T-ABC123", f"买家{PHONE}催发货", 12.5]])
    rows = list(csv.reader(io.StringIO(to_csv([table], "stalled").decode("utf-8")[1:])))
    assert rows[1] == ["T-ABC123", "买家138****5678催发货", "12.5"]


def test_the_ledger_report_masks_an_address_in_an_error_description():
    row = rules.ReportRow("T-AAAAA1", "wrong_shipment", "仓储", "拣货错误", f"寄到了{ADDRESS}", False, 0)
    text = report_csv("2026-W49", rules.weekly_report([row]), "zh")
    assert "文三路" not in text and "T-AAAAA1 寄到了[地址]" in text


def test_access_log_lines_keep_phones_and_tokens_out(caplog):
    logs.install()
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/1.1" %d', "127.0.0.1", "GET",
                                                 f"/api/lookup?phone={PHONE}&token=abc", 200)
    assert PHONE not in caplog.text and "abc" not in caplog.text


def test_a_traceback_in_the_server_log_shows_no_phone():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("kefu.test_privacy_log")
    logger.addHandler(handler)
    logging.getLogger().addHandler(handler)
    try:
        logs.install()
        try:
            raise ValueError(f"could not store 我的电话{PHONE} 身份证110101199003071234")
        except ValueError:
            logger.exception("storing %s failed", f"电话{PHONE}")
    finally:
        logger.removeHandler(handler)
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert "138****5678" in text and "ValueError" in text
    assert PHONE not in text and "110101199003071234" not in text
