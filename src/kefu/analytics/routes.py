"""The weekly ticket review for supervisors and admins: JSON, CSV and the page (server-rendered)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.analytics import service
from kefu.analytics.schemas import PARTS, Labels, local_time, tables, to_csv
from kefu.audit import service as audit
from kefu.core.auth import get_db, supervisor
from kefu.core.db import Database
from kefu.core.errors import BadInput, KefuError
from kefu.web.i18n import pick_lang, strings
from kefu.web.routes import render, staff_or_page

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
page_router = APIRouter(include_in_schema=False)
WEEK = Query(None, max_length=32, description="an ISO week, e.g. 2026-W23 (default: the last complete week)")


@router.get("/weekly")
async def weekly(week: str | None = WEEK, agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    """Where tickets stalled (time in each status by department, waiting party and tag), the breaches and their
    causes, and the volume of one ISO week, in the shop's time zone."""
    async with db.transaction() as s:
        return await service.weekly(s, agent.shop_id, week)


@router.get("/weekly.csv")
async def weekly_csv(request: Request, week: str | None = WEEK, part: str | None = Query(None, max_length=16),
                     agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    """The same as CSV (UTF-8 with a BOM), headers in the caller's language: every table as a titled section,
    or one of them alone (``part``: summary, status, department, party, tag, stalled, breaches, volume)."""
    if part is not None and part not in PARTS:
        raise BadInput(f"没有这一部分：{part}（可选：{'、'.join(PARTS)}）",
                       f"Unknown part {part!r} (one of: {', '.join(PARTS)})", code="bad_part")
    async with db.transaction() as s:
        report = await service.weekly(s, agent.shop_id, week)
        await audit.record(s, agent.shop_id, agent, "export.review", f"week:{report['week']['id']}", {"part": part})
    lang = pick_lang(request)
    body = to_csv(tables(report, Labels(strings(lang), lang), ZoneInfo(report["week"]["tz"])), part)
    name = f"kefu-review-{report['week']['id']}{'-' + part if part else ''}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@page_router.get("/tickets/review", response_class=HTMLResponse)
async def review_page(request: Request, week: str | None = None, db: Database = Depends(get_db)) -> Response:
    agent = await staff_or_page(request, agent_rules.SUPERVISE_ROLES)
    if isinstance(agent, Response):
        return agent
    lang = pick_lang(request)
    ctx = {"agent": agent, "nav": "supervisor", "lb": Labels(strings(lang), lang)}
    try:
        async with db.transaction() as s:
            report = await service.weekly(s, agent.shop_id, week)
    except KefuError as exc:
        return render(request, "review.html", status=exc.status, error=exc, report=None, **ctx)
    zone = ZoneInfo(report["week"]["tz"])
    return render(request, "review.html", error=None, report=report, local=lambda v: local_time(v, zone), **ctx)
