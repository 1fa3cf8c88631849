"""The audit log in Debian's Chromium: the shop admin sees a colleague's failed login and the role change made
a moment ago, newest first with who and from where, narrows the list to failed logins, and the CSV link carries
the same filters (and downloads). With KEFU_SCREENSHOTS=<folder> the page is saved there (audit-log.png)."""

from __future__ import annotations

import functools
import os

import pytest

from tests.web import browser
from tests.web.browser import API, CHROMIUM, CHROMIUM_ARGS, needs_chromium, team_server

PASSWORD = "audit-pass-2026"
log_in = functools.partial(browser.log_in, password=PASSWORD)
SHOTS = os.environ.get("KEFU_SCREENSHOTS")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with team_server(tmp_path_factory, "audit", PASSWORD,
                     ("agent", "小李", "agent"), ("boss", "鹿店长", "admin")) as server:
        yield server


def test_the_admin_reads_filters_and_exports_the_log(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10000)
    errors: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            wrong = ctx.request.post(f"{server.base}/api/auth/login",
                                     data={"username": server.agent, "password": "not-the-password"})
            assert wrong.status == 401
            ctx.clear_cookies()
            log_in(page, server.base, server.boss, "/admin/audit")
            team = page.evaluate(API, ["GET", "/api/agents", None])[1]["agents"]
            li = next(a for a in team if a["username"] == server.agent)
            status, _ = page.evaluate(API, ["PATCH", f"/api/agents/{li['id']}", {"role": "senior"}])
            assert status == 200
            page.reload()

            rows = page.locator("#au-rows tr")
            expect(rows.first).to_contain_text("修改角色")
            expect(rows.first).to_contain_text("鹿店长（")
            expect(rows.first).to_contain_text("agent → senior")
            expect(rows.first.locator("td").nth(2)).to_have_text("127.0.0.1")
            expect(page.locator("#au-rows")).to_contain_text("登录失败")
            expect(page.locator("#au-rows")).to_contain_text("密码错误")
            expect(page.locator("#au-note")).to_contain_text("Asia/Shanghai")
            if SHOTS:
                page.screenshot(path=os.path.join(SHOTS, "audit-log.png"), full_page=True)

            page.select_option("select[name=action]", "login_failed")
            page.locator("#au-filters button[type=submit]").click()
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text(f"小李（{server.agent}）")
            assert "action=login_failed" in page.url
            href = page.locator("#au-export").get_attribute("href")
            assert href.startswith("/api/admin/audit.csv?") and "action=login_failed" in href
            with page.expect_download() as download:
                page.locator("#au-export").click()
            with open(download.value.path(), "rb") as f:
                raw = f.read().decode("utf-8")
            assert raw.startswith("\ufeff时间") and "登录失败" in raw and "not-the-password" not in raw

            page.locator("#au-filters button[type=reset]").click()
            expect(page.locator("#au-rows")).to_contain_text("导出审计日志")  # the export itself, on top
            expect(rows.first).to_contain_text("导出审计日志")
        finally:
            chromium.close()
    assert errors == []
