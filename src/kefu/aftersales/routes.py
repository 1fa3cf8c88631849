"""After-sale cases over REST: the workspace opens, previews, confirms and moves them; a supervisor overrides; the
buyer reads their own and adds photos from the widget; the admin edits the policy (and its page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from kefu.aftersales import rules, service
from kefu.aftersales.schemas import (
    CaseIn,
    ExplainIn,
    OverrideIn,
    PhotosIn,
    PlatformIn,
    PolicyIn,
    ResponsibilityIn,
    StatusIn,
    case_out,
)
from kefu.agents import rules as agent_rules
from kefu.agents.models import Agent
from kefu.core.auth import admin, any_agent, current_visitor, get_db
from kefu.core.db import Database
from kefu.core.security import VisitorClaims
from kefu.core.validation import QueryId
from kefu.customers.service import customer_for_claims

router = APIRouter(tags=["aftersales"])
Number = Path(min_length=1, max_length=16)


async def _policy_out(s, shop_id: int) -> dict:
    policy, version = await service.policy_of(s, shop_id)
    return {"policy": policy, "version": version, "defaults": rules.policy_to_dict(rules.DEFAULT_POLICY),
            "kinds": {k: rules.KIND_ZH[k] for k in rules.KINDS}, "codes": rules.REASON_ZH,
            "payers": rules.PAYERS, "responsible": rules.RESPONSIBLE}


async def _on_case(db: Database, agent: Agent, number: str, verb) -> dict:
    """Lock the shop's case, apply ``verb(session, case)``, answer with the case as the workspace shows it."""
    async with db.transaction() as s:
        case = await service.get_case(s, agent.shop_id, number, lock=True)
        return await service.detail(s, await verb(s, case))


@router.get("/api/aftersales/policy")
async def read_policy(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """The policy in force (every field, the reason list) and its version; every agent reads it."""
    async with db.transaction() as s:
        return await _policy_out(s, agent.shop_id)


@router.put("/api/aftersales/policy")
async def save_policy(body: PolicyIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """Admins: a new version of the policy, for cases opened from now on."""
    async with db.transaction() as s:
        await service.save_policy(s, agent, body.policy, body.reasons)
        return await _policy_out(s, agent.shop_id)


@router.post("/api/aftersales/explain")
async def try_policy(body: ExplainIn, agent: Agent = Depends(any_agent)):
    """试算: what a (possibly unsaved) policy decides for a sample case; nothing is stored."""
    return {"outcome": service.try_policy(body.case, body.policy)}


@router.post("/api/cases/preview")
async def preview(body: CaseIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """The outcome this case would get, and the rule that decides it, before anything is saved."""
    async with db.transaction() as s:
        return await service.preview(s, agent, body)


@router.post("/api/cases", status_code=201)
async def open_case(body: CaseIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.detail(s, await service.open_case(s, agent, body))


@router.get("/api/cases")
async def list_cases(conversation_id: QueryId | None = None, customer_id: QueryId | None = None,
                     status: str | None = Query(None, max_length=24), agent: Agent = Depends(any_agent),
                     db: Database = Depends(get_db)):
    async with db.transaction() as s:
        rows = await service.list_cases(s, agent.shop_id, conversation_id=conversation_id, customer_id=customer_id,
                                        status=status)
        return {"cases": [case_out(c) for c in rows]}


@router.get("/api/cases/{number}")
async def read_case(number: str = Number, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.detail(s, await service.get_case(s, agent.shop_id, number))


@router.post("/api/cases/{number}/confirm")
async def confirm(number: str = Number, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    return await _on_case(db, agent, number, lambda s, case: service.confirm(s, agent, case))


@router.post("/api/cases/{number}/override")
async def override(body: OverrideIn, number: str = Number, agent: Agent = Depends(any_agent),
                   db: Database = Depends(get_db)):
    """Supervisors: allow what the policy refused, with a note (audited)."""
    return await _on_case(db, agent, number, lambda s, case: service.override(s, agent, case, body.note))


@router.post("/api/cases/{number}/status")
async def move(body: StatusIn, number: str = Number, agent: Agent = Depends(any_agent),
               db: Database = Depends(get_db)):
    return await _on_case(db, agent, number,
                          lambda s, case: service.change_status(s, agent, case, body.status, body.note))


@router.post("/api/cases/{number}/responsibility")
async def responsibility(body: ResponsibilityIn, number: str = Number, agent: Agent = Depends(any_agent),
                         db: Database = Depends(get_db)):
    return await _on_case(db, agent, number,
                          lambda s, case: service.set_responsibility(s, agent, case, body.responsibility, body.note))


@router.post("/api/cases/{number}/platform")
async def platform(body: PlatformIn, number: str = Number, agent: Agent = Depends(any_agent),
                   db: Database = Depends(get_db)):
    """小二介入: the platform's reference and deadline, watched like an SLA."""
    return await _on_case(db, agent, number,
                          lambda s, case: service.set_platform(s, agent, case, body.platform_ref, body.due_at))


@router.post("/api/cases/{number}/photos")
async def agent_photos(body: PhotosIn, number: str = Number, agent: Agent = Depends(any_agent),
                       db: Database = Depends(get_db)):
    return await _on_case(db, agent, number,
                          lambda s, case: service.add_photos(s, case, body.attachment_ids, agent=agent))


@router.get("/api/widget/cases")
async def my_cases(claims: VisitorClaims = Depends(current_visitor), db: Database = Depends(get_db)):
    """The buyer's own cases: status, outcome, their photos."""
    async with db.transaction() as s:
        return {"cases": await service.for_buyer(s, await customer_for_claims(s, claims))}


@router.post("/api/widget/cases/{number}/photos")
async def buyer_photos(body: PhotosIn, number: str = Number, claims: VisitorClaims = Depends(current_visitor),
                       db: Database = Depends(get_db)):
    """The buyer's uploads (POST /api/widget/attachments) become the case's evidence."""
    async with db.transaction() as s:
        customer = await customer_for_claims(s, claims)
        case = await service.buyer_case(s, customer, number)
        await service.add_photos(s, case, body.attachment_ids, customer=customer)
        return {"cases": await service.for_buyer(s, customer)}


@router.get("/admin/aftersales", response_class=HTMLResponse)
async def admin_page(request: Request) -> Response:
    """The admin's after-sale policy: windows, exclusions, payers, the reason list, and a 试算 box."""
    from kefu.web.routes import render, staff_or_page

    agent = await staff_or_page(request, agent_rules.ADMIN_ROLES)
    if isinstance(agent, Response):
        return agent
    return render(request, "admin_aftersales.html", agent=agent, nav="admin", kinds=rules.KINDS,
                  reasons=rules.REASONS)
