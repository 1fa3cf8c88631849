"""Personal information: staff reveal a masked field (audited); the shop admin sets the retention rule, sees
its dry run, and answers a buyer's request for their data (export) or for erasure."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.audit.service import shop_tz
from kefu.core.auth import admin, any_agent, get_db
from kefu.core.db import Database
from kefu.core.validation import PathId
from kefu.privacy import service
from kefu.privacy.schemas import EraseIn, RetentionIn
from kefu.web.routes import render, staff_or_page

router = APIRouter(tags=["privacy"])


@router.post("/api/conversations/{conversation_id}/messages/{message_id}/reveal")
async def reveal_message(conversation_id: PathId, message_id: PathId, agent: Agent = Depends(any_agent),
                         db: Database = Depends(get_db)):
    """A chat line as written (staff see phones, ID numbers and addresses masked); recorded in the audit log."""
    async with db.transaction() as s:
        return await service.reveal_message(s, agent, conversation_id, message_id)


@router.post("/api/customers/{customer_id}/reveal")
async def reveal_customer(customer_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """The buyer's phone and e-mail as stored; recorded in the audit log."""
    async with db.transaction() as s:
        return await service.reveal_customer(s, agent, customer_id)


@router.get("/api/admin/privacy")
async def read_settings(agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """The retention rule and its dry run: what tonight's pass would take."""
    async with db.transaction() as s:
        return {**service.settings_out(await service.settings_of(s, agent.shop_id)),
                "preview": await service.preview(s, agent.shop_id)}


@router.put("/api/admin/privacy")
async def save_settings(body: RetentionIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        saved = await service.save_retention(s, agent, body.retention_days, body.retention_mode)
    async with db.transaction() as s:
        return {**saved, "preview": await service.preview(s, agent.shop_id)}


@router.post("/api/admin/privacy/run")
async def run_now(dry_run: bool = Query(False), agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """Apply the rule now (one batch; ``more`` says whether another is needed), or with ``dry_run`` only count."""
    async with db.transaction() as s:
        if dry_run:
            return {"dry_run": True, **await service.preview(s, agent.shop_id)}
        return {"dry_run": False, **await service.run_retention(s, agent.shop_id, agent)}


@router.get("/api/admin/buyers")
async def find_buyers(q: str = Query("", max_length=64), agent: Agent = Depends(admin),
                      db: Database = Depends(get_db)):
    """Buyers by number, name, phone, visitor id or order number: whose request is it?"""
    async with db.transaction() as s:
        return {"buyers": await service.find_buyers(s, agent.shop_id, q)}


@router.get("/api/admin/buyers/{customer_id}/export")
async def export_buyer(customer_id: PathId, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """The buyer's data as one JSON file to hand them (个人信息查阅、复制); recorded in the audit log."""
    async with db.transaction() as s:
        doc = await service.export_buyer(s, agent, customer_id)
    return Response(json.dumps(doc, ensure_ascii=False, indent=1), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="kefu-buyer-{customer_id}.json"'})


@router.post("/api/admin/buyers/{customer_id}/erase")
async def erase_buyer(customer_id: PathId, body: EraseIn, agent: Agent = Depends(admin),
                      db: Database = Depends(get_db)):
    """Forget the buyer (个人信息删除): what is taken and what stays is in docs/privacy.md."""
    async with db.transaction() as s:
        return await service.erase_buyer(s, agent, customer_id, body.reason.strip())


@router.get("/admin/privacy", response_class=HTMLResponse, include_in_schema=False)
async def privacy_page(request: Request, db: Database = Depends(get_db)) -> Response:
    me = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(me, Response):
        return me
    async with db.transaction() as s:  # times on the page read in the shop's zone, like the audit log's
        tz = await shop_tz(s, me.shop_id)
    return render(request, "admin_privacy.html", agent=me, nav="admin", tz=tz)
