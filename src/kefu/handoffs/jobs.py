"""The one-minute acceptance timer of an escalation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.scheduler import Timer, handles
from kefu.handoffs import service


@handles(service.ESCALATION_TIMER)
async def escalation_timeout(session: AsyncSession, timer: Timer) -> None:
    await service.escalation_timed_out(session, int(timer.payload["handoff_id"]))
