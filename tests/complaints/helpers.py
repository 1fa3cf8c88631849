"""A complaint case for the tests: opening one is another part's API (POST /api/cases), so the row goes in
directly, as that code would leave it."""

from __future__ import annotations

import itertools
import uuid

_n = itertools.count(1)
ANGRY = "你们什么破快递，三天了还不到！！！我要投诉"


def complaint(world, shop, conversation_id: int | None, customer_id: int | None, agent_id: int | None = None) -> str:
    from kefu.aftersales.models import AftersaleCase
    from kefu.core.clock import now

    number = f"SH-T{next(_n)}{uuid.uuid4().hex[:8]}".upper()[:16]

    async def go():
        async with world.db.transaction() as s:
            s.add(AftersaleCase(shop_id=shop.id, number=number, kind="complaint", status="open", policy={},
                                customer_id=customer_id, conversation_id=conversation_id, stage="soothe",
                                stage_data={}, assignee_id=agent_id, created_by_id=agent_id, updated_at=now(),
                                created_at=now()))

    world.run(go)
    return number


def compensation(world, shop, number: str, status: str) -> None:
    from sqlalchemy import select

    from kefu.aftersales.models import AftersaleCase
    from kefu.compensation.models import Compensation

    async def go():
        async with world.db.transaction() as s:
            case = await s.scalar(select(AftersaleCase).where(AftersaleCase.number == number))
            s.add(Compensation(shop_id=shop.id, case_id=case.id, kind="coupon", amount_fen=1000, status=status,
                               day="2026-12-07"))

    world.run(go)


def audit(world, number: str) -> list[tuple[str, str, str | None, str | None]]:
    from sqlalchemy import select

    from kefu.aftersales.models import AftersaleCase, CaseChange

    async def go():
        async with world.db.transaction() as s:
            case = await s.scalar(select(AftersaleCase).where(AftersaleCase.number == number))
            rows = await s.scalars(select(CaseChange).where(CaseChange.case_id == case.id).order_by(CaseChange.id))
            return [(r.actor, r.field, r.before, r.after) for r in rows]

    return world.run(go)


def events_of(world, shop_id: int, type_: str) -> list[dict]:
    from kefu.core.events import events_after

    async def go():
        async with world.db.transaction() as s:
            return await events_after(s, shop_id, 0, limit=1000)

    return [e for e in world.run(go) if e["type"] == type_]
