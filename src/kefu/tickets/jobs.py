"""SLA timers of tickets: the warning 2 business hours before a deadline and the breach at it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.scheduler import Timer, handles
from kefu.tickets import service


@handles(service.WARN_TIMER)
async def sla_warning(session: AsyncSession, timer: Timer) -> None:
    p = timer.payload
    await service.sla_timer_due(session, int(p["ticket_id"]), p["clock"], p["due_at"], breached=False)


@handles(service.BREACH_TIMER)
async def sla_breach(session: AsyncSession, timer: Timer) -> None:
    p = timer.payload
    await service.sla_timer_due(session, int(p["ticket_id"]), p["clock"], p["due_at"], breached=True)
