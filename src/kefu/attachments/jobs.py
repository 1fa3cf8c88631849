"""The timer every upload arms: an image nothing has sent within a day is deleted (row and files)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.attachments import service
from kefu.core.scheduler import Timer, handles


@handles(service.UNSENT_TIMER)
async def drop_unsent(session: AsyncSession, timer: Timer) -> None:
    dropped = await service.drop_if_unsent(session, int(timer.payload["attachment_id"]))
    timer.outcome = "dropped" if dropped else "kept"
