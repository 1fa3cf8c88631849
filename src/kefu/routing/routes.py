"""Routing API: the live queue with reasons, greeting rate, a manual pass, and the buyer's place."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Query

from kefu.agents.models import Agent
from kefu.conversations import service as chats
from kefu.core.auth import any_agent, current_visitor, get_db, supervisor
from kefu.core.clock import now
from kefu.core.db import Database
from kefu.core.security import VisitorClaims
from kefu.customers.service import customer_for_claims
from kefu.routing import service

router = APIRouter(tags=["routing"])


@router.get("/api/routing/queue")
async def queue(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"queue": await service.queue(s, agent.shop_id)}


@router.get("/api/routing/stats")
async def stats(hours: int = Query(24, ge=1, le=24 * 90), agent: Agent = Depends(supervisor),
                db: Database = Depends(get_db)):
    async with db.transaction() as s:
        greeting = await service.greeting_rate(s, agent.shop_id, now() - timedelta(hours=max(1, min(hours, 24 * 31))))
        return {"greeting": greeting, "waiting": await service.count_waiting(s, agent.shop_id)}


@router.post("/api/routing/run")
async def run(agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    """Run a routing pass now (the router does this by itself whenever something changes)."""
    async with db.transaction() as s:
        made = await service.route_shop(s, agent.shop_id)
    return {"assigned": [{"conversation_id": c, "agent_id": a} for c, a in made]}


@router.post("/api/me/break")
async def take_break(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """A protected 10-minute break: nothing is routed to the agent until it ends by itself."""
    from kefu.agents.service import agent_out, get_agent

    async with db.transaction() as s:
        me = await service.start_break(s, await get_agent(s, agent.shop_id, agent.id))
        return {"agent": await agent_out(s, me)}


@router.post("/api/me/moved/seen")
async def moved_seen(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """The workspace showed the notice of chats moved back to the queue while the agent was away."""
    from kefu.agents.service import agent_out, get_agent

    async with db.transaction() as s:
        me = await service.moved_seen(s, await get_agent(s, agent.shop_id, agent.id))
        return {"agent": await agent_out(s, me)}


@router.get("/api/widget/queue")
async def my_place(claims: VisitorClaims = Depends(current_visitor), db: Database = Depends(get_db)):
    """The buyer's place in their line and expected wait (null, with no_agent, when nobody online can serve
    them), or nulls when the buyer is not waiting."""
    async with db.transaction() as s:
        customer = await customer_for_claims(s, claims)
        conv = await chats.open_conversation_for(s, customer)
        mine = await service.place_of(s, customer.shop_id, conv.id) if conv and conv.status == "waiting" else None
    mine = mine or {"position": None, "eta_seconds": None, "no_agent": False, "waiting": 0}
    return {"conversation_id": conv.id if conv else None, **mine}
