"""Timers the routing engine arms: the 15-second greeting and the end of a protected break."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.conversations.service import GREET_TIMER
from kefu.core.scheduler import Timer, handles
from kefu.routing import service


@handles(GREET_TIMER)
async def greet(session: AsyncSession, timer: Timer) -> None:
    sent = await service.greet(session, int(timer.payload["conversation_id"]))
    timer.outcome = "greeted" if sent else "not needed"


@handles(service.BREAK_TIMER)
async def end_break(session: AsyncSession, timer: Timer) -> None:
    await service.end_break(session, int(timer.payload["agent_id"]))
