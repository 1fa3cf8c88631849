"""The error ledger's reminder: the buyer's next progress update fell due."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.scheduler import Timer, handles
from kefu.ledger import service


@handles(service.UPDATE_TIMER)
async def update_due(session: AsyncSession, timer: Timer) -> None:
    await service.update_due(session, int(timer.payload["entry_id"]))
