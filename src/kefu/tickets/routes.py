"""Tickets over REST for the workspace: open, list, read with history, move through the workflow, reply."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from kefu.agents.models import Agent
from kefu.core.auth import any_agent, current_visitor, get_db, supervisor
from kefu.core.db import Database
from kefu.core.security import VisitorClaims
from kefu.customers.service import customer_for_claims
from kefu.tickets import service
from kefu.tickets.schemas import BuyerMessageIn, LookupIn, NoteIn, StatusIn, TicketIn

router = APIRouter(prefix="/api/tickets", tags=["tickets"])
widget_router = APIRouter(prefix="/api/widget/tickets", tags=["widget"])
public_router = APIRouter(prefix="/api/public/tickets", tags=["public"])


async def _full(s, t) -> dict:
    return {"ticket": service.ticket_out(t), **await service.history(s, t)}


@router.post("", status_code=201)
async def open_ticket(body: TicketIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _full(s, await service.create(s, agent, body))


@router.get("")
async def list_tickets(view: str = Query("mine", max_length=16), kind: str | None = Query(None, max_length=16),
                       status: str | None = Query(None, max_length=24), agent: Agent = Depends(any_agent),
                       db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"tickets": [service.ticket_out(t) for t in await service.list_for(s, agent, view, kind, status)]}


@router.get("/board")
async def sla_board(agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    """Supervisors: tickets by status, breaches now and today, the ten nearest to breach."""
    async with db.transaction() as s:
        return await service.board(s, agent.shop_id)


@router.get("/draft")
async def draft(conversation_id: int = Query(ge=1, le=2**31 - 1), agent: Agent = Depends(any_agent),
                db: Database = Depends(get_db)):
    """What a ticket opened from this chat would say (type, demand, title, problem, orders): one click saves it."""
    async with db.transaction() as s:
        return {"draft": await service.draft(s, agent, conversation_id)}


@router.get("/{number}")
async def read_ticket(number: str, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _full(s, await service.get(s, agent.shop_id, number))


@router.post("/{number}/status")
async def move_ticket(number: str, body: StatusIn, agent: Agent = Depends(any_agent),
                      db: Database = Depends(get_db)):
    async with db.transaction() as s:
        t = await service.change_status(s, agent, await service.get(s, agent.shop_id, number), body.status)
        return await _full(s, t)


@router.post("/{number}/notes", status_code=201)
async def add_note(number: str, body: NoteIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        t = await service.get(s, agent.shop_id, number)
        await service.add_note(s, agent, t, body.text, body.internal)
        return await _full(s, t)


@widget_router.get("")
async def my_tickets(claims: VisitorClaims = Depends(current_visitor), db: Database = Depends(get_db)):
    """The buyer's own tickets: status, next step, deadline, and the replies they may read."""
    async with db.transaction() as s:
        return {"tickets": await service.for_buyer(s, await customer_for_claims(s, claims))}


@widget_router.post("/{number}/messages", status_code=201)
async def buyer_message(number: str, body: BuyerMessageIn, claims: VisitorClaims = Depends(current_visitor),
                        db: Database = Depends(get_db)):
    async with db.transaction() as s:
        customer = await customer_for_claims(s, claims)
        t = await service.buyer_reply(s, customer, await service.buyer_ticket(s, customer, number), body.text)
        return {"ticket": await service.buyer_view(s, t)}


@public_router.post("/lookup")
async def lookup(body: LookupIn, request: Request, db: Database = Depends(get_db)):
    """Anyone with a ticket number and the last four digits of its buyer's phone: the ticket's status. The
    same {"found": false} for no such ticket and wrong digits; 429 past the limits per caller and per ticket."""
    caller = request.client.host if request.client else "unknown"
    async with db.transaction() as s:
        return await service.lookup(s, body.number, body.phone_last4, caller)
