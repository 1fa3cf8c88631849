"""Timers the routing engine runs: the 15-second greeting, the end of a protected break, the requeue of an absent
agent's unanswered chats and the alert that buyers wait with nobody online to serve them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.service import BREAK_TIMER, REQUEUE_TIMER
from kefu.conversations.service import GREET_TIMER
from kefu.core.scheduler import Timer, handles
from kefu.routing import service


@handles(GREET_TIMER)
async def greet(session: AsyncSession, timer: Timer) -> None:
    sent = await service.greet(session, int(timer.payload["conversation_id"]))
    timer.outcome = "greeted" if sent else "not needed"


@handles(BREAK_TIMER)
async def end_break(session: AsyncSession, timer: Timer) -> None:
    await service.end_break(session, int(timer.payload["agent_id"]))


@handles(REQUEUE_TIMER)
async def requeue_absent(session: AsyncSession, timer: Timer) -> None:
    timer.outcome = await service.requeue_absent(session, int(timer.payload["agent_id"]))


@handles(service.UNSTAFFED_TIMER)
async def unstaffed(session: AsyncSession, timer: Timer) -> None:
    timer.outcome = await service.alert_unstaffed(session, timer.shop_id, dict(timer.payload))
