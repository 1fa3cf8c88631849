"""Transfer, escalate, hand an abusive buyer to emotion support, accept an escalation."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from kefu.agents.models import Agent
from kefu.conversations import service as chats
from kefu.core.auth import any_agent, get_db
from kefu.core.db import Database
from kefu.core.errors import BadInput
from kefu.core.validation import PathId
from kefu.handoffs import service
from kefu.handoffs.schemas import NoteIn, TransferIn

router = APIRouter(prefix="/api", tags=["handoffs"])


async def _done(s, h) -> dict:
    conv = await chats.get_conversation(s, h.shop_id, h.conversation_id)
    return {"handoff": service.handoff_out(h), "conversation": await chats.payload(s, conv)}


@router.post("/conversations/{conversation_id}/transfer")
async def transfer(conversation_id: PathId, body: TransferIn, agent: Agent = Depends(any_agent),
                   db: Database = Depends(get_db)):
    if (body.agent_id is None) == (body.group is None):
        raise BadInput("请指定转接给某位客服或某个分组（二选一）", "Give either agent_id or group", code="bad_transfer")
    async with db.transaction() as s:
        h = await service.transfer(s, agent, conversation_id, to_agent_id=body.agent_id, to_group=body.group,
                                   note=body.note)
        return await _done(s, h)


@router.post("/conversations/{conversation_id}/escalate")
async def escalate(conversation_id: PathId, body: NoteIn, agent: Agent = Depends(any_agent),
                   db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _done(s, await service.escalate(s, agent, conversation_id, body.note))


@router.post("/conversations/{conversation_id}/flag-abuse")
async def flag_abuse(conversation_id: PathId, body: NoteIn, agent: Agent = Depends(any_agent),
                     db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _done(s, await service.flag_abuse(s, agent, agent.shop_id, conversation_id, body.note))


@router.get("/conversations/{conversation_id}/handoffs")
async def list_handoffs(conversation_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"handoffs": await service.list_for(s, agent.shop_id, conversation_id)}


@router.get("/handoffs/pending")
async def pending(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"handoffs": await service.pending_for(s, agent)}


@router.post("/handoffs/{handoff_id}/accept")
async def accept(handoff_id: PathId, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await _done(s, await service.accept(s, agent, handoff_id))
