"""/api/quick-replies: the signed-in agent's own buttons, and the shop's defaults (admin / trainer)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from kefu.agents.models import Agent
from kefu.core.auth import any_agent, get_db
from kefu.core.db import Database
from kefu.quickreplies import service
from kefu.quickreplies.schemas import QuickRepliesIn

router = APIRouter(prefix="/api/quick-replies", tags=["quick replies"])
Lang = Query("zh", pattern="^(zh|en)$", description="language of the built-in defaults")


@router.get("")
async def mine(lang: str = Lang, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.for_agent(s, agent, lang)


@router.put("/mine")
async def pin_mine(body: QuickRepliesIn, lang: str = Lang, agent: Agent = Depends(any_agent),
                   db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.pin_mine(s, agent, body.items, lang)


@router.delete("/mine")
async def reset_mine(lang: str = Lang, agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.reset_mine(s, agent, lang)


@router.put("/defaults")
async def set_defaults(body: QuickRepliesIn, lang: str = Lang, agent: Agent = Depends(any_agent),
                       db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.set_defaults(s, agent, body.items, lang)
