"""The follow-up visit's reminder: its due time came and the visit is still open."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.complaints import service
from kefu.core.scheduler import Timer, handles


@handles(service.FOLLOWUP_TIMER)
async def followup_due(session: AsyncSession, timer: Timer) -> None:
    await service.followup_due(session, int(timer.payload["followup_id"]))
