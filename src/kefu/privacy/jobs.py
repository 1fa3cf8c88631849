"""The nightly retention pass: one timer per shop with a rule (armed when the rule is saved), due at 03:00
China time. A pass handles RUN_BATCH conversations in its transaction; with more left it runs again a minute
on, so a first pass over years of chats never holds locks for long."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core import scheduler
from kefu.core.clock import now
from kefu.core.scheduler import Timer, handles
from kefu.privacy import rules, service


@handles(service.RETENTION_TIMER)
async def retention_due(session: AsyncSession, timer: Timer) -> None:
    done = await service.run_retention(session, timer.shop_id)
    p = await service.settings_of(session, timer.shop_id)
    if p.retention_days is None:
        return  # switched off meanwhile
    due = now() + timedelta(minutes=1) if done["more"] else rules.next_run(now())
    scheduler.add(session, timer.shop_id, service.RETENTION_TIMER, due, key=timer.key)
