"""Compensation over REST: what was offered on a case, my authority, offering, the supervisors' decisions on
requests beyond authority, and the admin's limits (with the page that edits them)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.compensation import rules, service
from kefu.compensation.schemas import DecisionIn, LimitsIn, OfferIn
from kefu.core.auth import admin, any_agent, get_db, supervisor
from kefu.core.db import Database
from kefu.core.errors import BadInput

router = APIRouter(tags=["compensation"])
CaseNumber = Path(min_length=1, max_length=16)
Id = Path(ge=1, le=2**31 - 1)


@router.get("/api/cases/{number}/compensations")
async def case_compensations(number: str = CaseNumber, agent: Agent = Depends(any_agent),
                             db: Database = Depends(get_db)):
    """What was offered on the case (with status), the total given, and my authority left on it."""
    async with db.transaction() as s:
        return await service.of_case(s, agent, number)


@router.post("/api/cases/{number}/compensations", status_code=201)
async def offer(body: OfferIn, number: str = CaseNumber, agent: Agent = Depends(any_agent),
                db: Database = Depends(get_db)):
    """Within authority: granted at once. Beyond it: a pending request for a supervisor (a note is required)."""
    try:
        amount = rules.to_fen(body.amount)
    except ValueError as exc:
        zh, en = exc.args[0]
        raise BadInput(zh, en, code="bad_amount") from None
    async with db.transaction() as s:
        return await service.offer(s, agent, number, body.kind, amount, body.note)


@router.get("/api/compensation/authority")
async def my_authority(case: str | None = Query(None, min_length=1, max_length=16),
                       agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """My limits per case and per day, what I gave today and what is left (and on ``case``, if given)."""
    from kefu.aftersales.service import get_case

    async with db.transaction() as s:
        return await service.authority(s, agent, await get_case(s, agent.shop_id, case) if case else None)


@router.get("/api/compensation/requests")
async def list_requests(status: str = Query("pending", pattern="^(pending|approved|rejected|granted|all)$"),
                        agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    """Supervisors: requests with their case's context; for pending ones whether I may approve them."""
    async with db.transaction() as s:
        return {"requests": await service.requests(s, agent, status)}


@router.post("/api/compensation/requests/{comp_id}/approve")
async def approve(body: DecisionIn, comp_id: int = Id, agent: Agent = Depends(supervisor),
                  db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.decide_request(s, agent, comp_id, True, body.note)


@router.post("/api/compensation/requests/{comp_id}/reject")
async def reject(body: DecisionIn, comp_id: int = Id, agent: Agent = Depends(supervisor),
                 db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.decide_request(s, agent, comp_id, False, body.note)


@router.get("/api/admin/compensation/limits")
async def get_limits(agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.get_limits(s, agent.shop_id)


@router.put("/api/admin/compensation/limits")
async def put_limits(body: LimitsIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """Validated (non-negative, per-day ≥ per-case, known roles and kinds); nothing is saved when it fails."""
    async with db.transaction() as s:
        return await service.save_limits(s, agent, body.model_dump())


@router.get("/admin/compensation", response_class=HTMLResponse, include_in_schema=False)
async def admin_page(request: Request) -> Response:
    from kefu.web.routes import render, staff_or_page

    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    return render(request, "admin_compensation.html", agent=agent, nav="admin", kinds=rules.KINDS,
                  roles=list(rules.DEFAULT_LIMITS["roles"]))
