"""After-sale cases: open, decide by the shop's policy, confirm, move through statuses (being built for #13)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.aftersales.models import AftersaleCase
from kefu.core.errors import NotFound


async def get_case(s: AsyncSession, shop_id: int, number: str, *, lock: bool = False) -> AftersaleCase:
    """The shop's case by its number (售后单号); 404 for another shop's or an unknown one."""
    q = select(AftersaleCase).where(AftersaleCase.shop_id == shop_id, AftersaleCase.number == number)
    case = await s.scalar(q.with_for_update() if lock else q)
    if case is None:
        raise NotFound("售后单不存在", "After-sale case not found", code="case_not_found")
    return case
