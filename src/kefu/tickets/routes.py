"""Tickets over REST for the workspace: open, list, read with history, move through the workflow, reply."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from kefu.agents.models import Agent
from kefu.core.auth import any_agent, get_db, supervisor
from kefu.core.db import Database
from kefu.sla import service as clocks
from kefu.tickets import service
from kefu.tickets.schemas import AssignIn, MergeIn, NoteIn, StatusIn, TicketIn, TicketPatch

router = APIRouter(prefix="/api/tickets", tags=["tickets"])


async def _full(s, t) -> dict:
    return {"ticket": service.ticket_out(t), **await service.history(s, t)}


@router.post("", status_code=201)
async def open_ticket(body: TicketIn, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _full(s, await service.create(s, agent, body))


@router.get("")
async def list_tickets(view: str = Query("mine", max_length=16), kind: str | None = Query(None, max_length=16),
                       status: str | None = Query(None, max_length=24), tag: str | None = Query(None, max_length=32),
                       sort: str = Query("due", max_length=16), agent: Agent = Depends(any_agent),
                       db: Database = Depends(get_db)):
    async with db.transaction() as s:
        rows = await service.list_for(s, agent, view, kind, status, tag, sort)
        return {"tickets": [service.ticket_out(t) for t in rows]}


@router.get("/board")
async def sla_board(agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    """Supervisors: tickets by status, breaches now and today, the ten nearest to breach."""
    async with db.transaction() as s:
        return await clocks.board(s, agent.shop_id)


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
        await service.add_note(s, agent, t, body.text, body.internal, body.attachments)
        return await _full(s, t)


@router.patch("/{number}")
async def edit_ticket(number: str, body: TicketPatch, agent: Agent = Depends(any_agent),
                      db: Database = Depends(get_db)):
    """Type, priority, title, demand, tags; a new type or priority moves the SLA clocks."""
    async with db.transaction() as s:
        return await _full(s, await service.update(s, agent, await service.get(s, agent.shop_id, number), body))


@router.post("/{number}/assign")
async def assign_ticket(number: str, body: AssignIn, agent: Agent = Depends(any_agent),
                        db: Database = Depends(get_db)):
    """Hand the ticket to a colleague, or (no assignee_id) let routing's rules pick one."""
    async with db.transaction() as s:
        return await _full(s, await service.assign(s, agent, await service.get(s, agent.shop_id, number),
                                                   body.assignee_id))


@router.post("/{number}/escalate")
async def escalate_ticket(number: str, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _full(s, await service.escalate(s, agent, await service.get(s, agent.shop_id, number)))


@router.post("/{number}/merge")
async def merge_ticket(number: str, body: MergeIn, agent: Agent = Depends(any_agent),
                       db: Database = Depends(get_db)):
    """Merge this ticket (a duplicate) into ``into``: returns the ticket kept, with both histories."""
    async with db.transaction() as s:
        return await _full(s, await service.merge(s, agent, await service.get(s, agent.shop_id, number), body.into))

