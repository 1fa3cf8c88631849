"""SLA timers of tickets: the warning 2 business hours before a deadline, the breach at it, and the end of the
quick-response team's 2 hours on an urgent or escalated complaint."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.scheduler import Timer, handles
from kefu.sla import service


@handles(service.WARN_TIMER)
async def sla_warning(session: AsyncSession, timer: Timer) -> None:
    p = timer.payload
    await service.timer_due(session, int(p["ticket_id"]), p["clock"], p["due_at"], breached=False)


@handles(service.BREACH_TIMER)
async def sla_breach(session: AsyncSession, timer: Timer) -> None:
    p = timer.payload
    await service.timer_due(session, int(p["ticket_id"]), p["clock"], p["due_at"], breached=True)


@handles(service.QUICK_TIMER)
async def quick_response(session: AsyncSession, timer: Timer) -> None:
    p = timer.payload
    await service.quick_due(session, int(p["ticket_id"]), p["due_at"])
