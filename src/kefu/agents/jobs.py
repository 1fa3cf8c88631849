"""The silence check: an online agent nobody has heard from for a while is set away."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents import service
from kefu.core.scheduler import Timer, handles


@handles(service.SILENT_TIMER)
async def silent(session: AsyncSession, timer: Timer) -> None:
    timer.outcome = await service.away_if_silent(session, int(timer.payload["agent_id"]))
