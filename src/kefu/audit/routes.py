"""The audit log for the shop admin: the page, the entries as JSON (filtered, newest first, paged) and the
same as a streamed CSV — itself an audited export."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import select

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.audit import rules, service
from kefu.audit.schemas import BeforeId, filters
from kefu.audit.service import Filters
from kefu.core.auth import admin, get_db
from kefu.core.clock import now
from kefu.core.db import Database
from kefu.web.i18n import pick_lang, strings
from kefu.web.routes import render, staff_or_page

router = APIRouter(tags=["audit"])


@router.get("/api/admin/audit")
async def audit_entries(f: Filters = Depends(filters), before_id: BeforeId | None = None,
                        agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """The shop's audit log, newest first, 50 a page (``next_before_id`` for the next)."""
    async with db.transaction() as s:
        return await service.page(s, agent.shop_id, f, before_id)


@router.get("/api/admin/audit.csv")
async def audit_csv(request: Request, f: Filters = Depends(filters), agent: Agent = Depends(admin),
                    db: Database = Depends(get_db)):
    """The same entries as CSV for Excel (at most 50,000, newest first); the export is itself recorded."""
    async with db.transaction() as s:
        await service.conditions(s, agent.shop_id, f)  # a bad range is a 400 here, not a broken download
        tz = await service.shop_tz(s, agent.shop_id)
        await service.record(s, agent.shop_id, agent, "export.audit", "audit", f.out())
    labels = strings(pick_lang(request))
    name = f"kefu-audit-{now().strftime('%Y%m%d-%H%M')}.csv"
    return StreamingResponse(service.export_csv(db, agent.shop_id, f, labels, tz),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
async def audit_page(request: Request, db: Database = Depends(get_db)) -> Response:
    me = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(me, Response):
        return me
    async with db.transaction() as s:
        team = (await s.execute(select(Agent.id, Agent.display_name, Agent.username)
                                .where(Agent.shop_id == me.shop_id).order_by(Agent.display_name, Agent.id))).all()
    return render(request, "admin_audit.html", agent=me, nav="admin", team=team, actions=rules.ACTIONS)
