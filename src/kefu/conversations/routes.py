"""The agent workspace's API: list, read, reply, take, close, reopen, assign."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends

from kefu.agents.models import Agent
from kefu.agents.service import get_agent, list_agents
from kefu.conversations import service
from kefu.conversations.schemas import MessageIn, ReadIn, TransferIn, message_out
from kefu.core.auth import any_agent, get_db, supervisor
from kefu.core.db import Database
from kefu.core.events import events_after
from kefu.core.validation import After, PathId
from kefu.customers.service import customer_out, get_customer
from kefu.privacy.rules import staff_event

router = APIRouter(prefix="/api", tags=["conversations"])

StatusFilter = Literal["waiting", "assigned", "closed", "open"]


@router.get("/conversations")
async def list_conversations(status: StatusFilter | None = "open", mine: bool = False,
                             agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        items = await service.list_conversations(s, agent.shop_id, status=status,
                                                 assignee_id=agent.id if mine else None)
    return {"conversations": items}


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        conv = await service.get_conversation(s, agent.shop_id, conversation_id)
        customer = await get_customer(s, agent.shop_id, conv.customer_id)
        return {"conversation": await service.payload(s, conv),
                "messages": await service.list_messages(s, conv, include_private=True),
                "customer": customer_out(customer),
                "history": await service.customer_history(s, customer.id, agent.shop_id)}


@router.post("/conversations/{conversation_id}/messages", status_code=201)
async def reply(conversation_id: PathId, body: MessageIn, agent: Agent = Depends(any_agent),
                db: Database = Depends(get_db)):
    async with db.transaction() as s:
        msg, conv, created = await service.post_agent_message(s, agent, conversation_id, body.text,
                                                              private=body.private, client_msg_id=body.client_msg_id,
                                                              attachment_id=body.attachment_id)
        return {"message": message_out(msg, agent.display_name), "duplicate": not created,
                "conversation": await service.payload(s, conv)}


async def _act(db: Database, verb, agent: Agent, conversation_id: PathId) -> dict:
    async with db.transaction() as s:
        conv = await verb(s, agent, conversation_id)
        return {"conversation": await service.payload(s, conv)}


@router.post("/conversations/{conversation_id}/take")
async def take(conversation_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    return await _act(db, service.take, agent, conversation_id)


@router.post("/conversations/{conversation_id}/close")
async def close(conversation_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    return await _act(db, service.close, agent, conversation_id)


@router.post("/conversations/{conversation_id}/reopen")
async def reopen(conversation_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    return await _act(db, service.reopen, agent, conversation_id)


@router.post("/conversations/{conversation_id}/read")
async def read(conversation_id: PathId, body: ReadIn, agent: Agent = Depends(any_agent),
               db: Database = Depends(get_db)):
    async with db.transaction() as s:
        conv = await service.get_conversation(s, agent.shop_id, conversation_id)
        await service.mark_read(s, conv, "agent", body.seq)
        return {"agent_read_seq": conv.agent_read_seq, "agent_unread": conv.agent_unread}


@router.post("/conversations/{conversation_id}/assign")
async def assign(conversation_id: PathId, body: TransferIn, agent: Agent = Depends(supervisor),
                 db: Database = Depends(get_db)):
    async with db.transaction() as s:
        target = await get_agent(s, agent.shop_id, body.agent_id)
        conv = await service.assign_to(s, agent, conversation_id, target)
        return {"conversation": await service.payload(s, conv)}


@router.get("/supervisor/overview")
async def overview(agent: Agent = Depends(supervisor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"conversations": await service.list_conversations(s, agent.shop_id, status="open", limit=500),
                "agents": await list_agents(s, agent.shop_id)}


@router.get("/events")
async def events(after: After = 0, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """Resync over HTTP: every event of the agent's shop since event id ``after``."""
    async with db.transaction() as s:
        batch = await events_after(s, agent.shop_id, after)
    return {"events": [staff_event(ev) for ev in batch], "last_event_id": batch[-1]["id"] if batch else after}
