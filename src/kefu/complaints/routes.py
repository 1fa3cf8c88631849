"""The complaint workflow over REST: the workspace's complaint panel (stages, agreement, follow-up visits), the
buyer's confirmation of an agreement card from the widget, and the buyer-type flags on a buyer's profile."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from kefu.agents.models import Agent
from kefu.complaints import service
from kefu.complaints.schemas import ConfirmIn, FlagIn, FollowUpDoneIn, FollowUpPatch, ReopenIn, StageIn, followup_out
from kefu.core.auth import any_agent, current_visitor, get_db, supervisor
from kefu.core.clock import now
from kefu.core.db import Database
from kefu.core.security import VisitorClaims
from kefu.customers.service import customer_for_claims

router = APIRouter(tags=["complaints"])


def _number():  # a fresh Path per parameter: FastAPI binds one to one name
    return Path(min_length=1, max_length=32)


def _id():
    return Path(ge=1, le=2**31 - 1)


async def _view(s, shop_id: int, number: str) -> dict:
    return {"complaint": await service.view(s, await service.get_complaint(s, shop_id, number))}


@router.get("/api/complaints/{number}")
async def read_complaint(number: str = _number(), agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _view(s, agent.shop_id, number)


@router.post("/api/complaints/{number}/stage")
async def save_stage(body: StageIn, number: str = _number(), agent: Agent = Depends(any_agent),
                     db: Database = Depends(get_db)):
    """Save the current stage's fields (only those sent change)."""
    async with db.transaction() as s:
        await service.save_stage(s, agent, await service.get_complaint(s, agent.shop_id, number, lock=True),
                                 body.data)
        return await _view(s, agent.shop_id, number)


@router.post("/api/complaints/{number}/advance")
async def advance(number: str = _number(), agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """On to the next stage; 409 with ``error.missing`` when the current one lacks something."""
    async with db.transaction() as s:
        await service.advance(s, agent, await service.get_complaint(s, agent.shop_id, number, lock=True))
        return await _view(s, agent.shop_id, number)


@router.post("/api/complaints/{number}/reopen")
async def reopen(body: ReopenIn, number: str = _number(), agent: Agent = Depends(supervisor),
                 db: Database = Depends(get_db)):
    async with db.transaction() as s:
        await service.reopen(s, agent, await service.get_complaint(s, agent.shop_id, number, lock=True),
                             body.stage, body.note)
        return await _view(s, agent.shop_id, number)


@router.post("/api/complaints/{number}/agreement", status_code=201)
async def send_agreement(number: str = _number(), agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """Send the agreement card into the case's chat for the buyer to confirm."""
    async with db.transaction() as s:
        msg = await service.send_agreement(s, agent, await service.get_complaint(s, agent.shop_id, number,
                                                                                 lock=True))
        return {"message_id": msg.id, **await _view(s, agent.shop_id, number)}


@router.post("/api/widget/complaints/{number}/confirm")
async def buyer_confirm(body: ConfirmIn, number: str = _number(), claims: VisitorClaims = Depends(current_visitor),
                        db: Database = Depends(get_db)):
    """The buyer confirms the agreement card of their own complaint."""
    async with db.transaction() as s:
        customer = await customer_for_claims(s, claims)
        return {"agreement": await service.buyer_confirm(s, customer, number, body.message_id)}


@router.get("/api/followups")
async def list_followups(mine: bool = Query(False), agent: Agent = Depends(any_agent),
                         db: Database = Depends(get_db)):
    """Open follow-up visits (``mine=1``: only mine), due soonest first."""
    async with db.transaction() as s:
        return {"followups": await service.my_followups(s, agent, mine)}


async def _fu(s, fu, case) -> dict:
    agents = await service._agents(s, [fu.owner_id])
    return {"followup": followup_out(fu, agents, case.number, now()), **await _view(s, case.shop_id, case.number)}


@router.post("/api/followups/{followup_id}")
async def complete_followup(body: FollowUpDoneIn, followup_id: int = _id(), agent: Agent = Depends(any_agent),
                            db: Database = Depends(get_db)):
    """The visit's outcome (satisfied / unsatisfied / unreachable) and note: the complaint is done."""
    async with db.transaction() as s:
        fu, case = await service.complete_followup(s, agent, followup_id, body.outcome, body.note)
        return await _fu(s, fu, case)


@router.patch("/api/followups/{followup_id}")
async def edit_followup(body: FollowUpPatch, followup_id: int = _id(), agent: Agent = Depends(any_agent),
                        db: Database = Depends(get_db)):
    """Another owner or due time for an open visit."""
    async with db.transaction() as s:
        fu, case = await service.edit_followup(s, agent, followup_id, body.owner_id, body.due_at)
        return await _fu(s, fu, case)


@router.get("/api/customers/{customer_id}/flags")
async def list_flags(customer_id: int = _id(), all: bool = Query(False), agent: Agent = Depends(any_agent),
                     db: Database = Depends(get_db)):
    """The buyer's active type flags (``all=1``: cleared ones too), newest first."""
    async with db.transaction() as s:
        return {"flags": await service.flags_of(s, agent, customer_id, all)}


@router.post("/api/customers/{customer_id}/flags", status_code=201)
async def add_flag(body: FlagIn, customer_id: int = _id(), agent: Agent = Depends(any_agent),
                   db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"flag": await service.add_flag(s, agent, customer_id, body.flag, body.note, body.conversation_id)}


@router.post("/api/customers/{customer_id}/flags/{flag_id}/clear")
async def clear_flag(customer_id: int = _id(), flag_id: int = _id(), agent: Agent = Depends(supervisor),
                     db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"flag": await service.clear_flag(s, agent, customer_id, flag_id)}
