"""SLA timers of tickets: the warning 2 business hours before a deadline, the breach at it, and the end of the
quick-response team's 2 hours on an urgent or escalated complaint."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.scheduler import Timer, handles, handles_many
from kefu.sla import service


def _due(timers: list[Timer], breached: bool) -> list[tuple[int, str, str, bool]]:
    return [(int(t.payload["ticket_id"]), t.payload["clock"], t.payload["due_at"], breached) for t in timers]


@handles_many(service.WARN_TIMER)
async def sla_warnings(session: AsyncSession, timers: list[Timer]) -> None:
    await service.timers_due(session, _due(timers, breached=False))


@handles_many(service.BREACH_TIMER)
async def sla_breaches(session: AsyncSession, timers: list[Timer]) -> None:
    await service.timers_due(session, _due(timers, breached=True))


@handles(service.QUICK_TIMER)
async def quick_response(session: AsyncSession, timer: Timer) -> None:
    p = timer.payload
    await service.quick_due(session, int(p["ticket_id"]), p["due_at"])
