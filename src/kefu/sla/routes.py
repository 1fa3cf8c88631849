"""The shop's SLA policy over REST: anyone on staff reads it, the admin changes it (every open ticket's clocks
follow at once)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from kefu.agents.models import Agent
from kefu.core.auth import admin, any_agent, get_db
from kefu.core.db import Database
from kefu.sla import service
from kefu.sla.schemas import SlaSettingsIn

router = APIRouter(prefix="/api/sla", tags=["sla"])


@router.get("/settings")
async def read_settings(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.settings(s, agent.shop_id)


@router.put("/settings")
async def save_settings(body: SlaSettingsIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return await service.save_settings(s, agent, body.model_dump())
