"""Shared setup of the compensation tests: an after-sale case row inserted directly (cases are opened by the
aftersales service; here only the row matters)."""

from __future__ import annotations

import uuid


def order_facts(paid_fen: int, shipping_fen: int) -> dict:
    """The order as a case keeps it (kefu.aftersales.service): fen, delivered three days ago."""
    from datetime import timedelta

    from kefu.core.clock import iso, now

    return {"number": "DD2026001", "status": "delivered", "paid": paid_fen, "shipping": shipping_fen,
            "delivered_at": iso(now() - timedelta(days=3)), "category": "鞋靴", "promo_price": None,
            "items": [{"name": "轻跑运动鞋 42 码", "qty": 1}]}


def make_case(world, shop, *, paid_fen: int = 10_000, shipping_fen: int = 1_000, order: bool = True,
              customer_id: int | None = None, conversation_id: int | None = None, refund_fen: int = 0,
              status: str = "open") -> str:
    from kefu.aftersales.models import AftersaleCase
    from kefu.core.clock import now

    number = "SH" + uuid.uuid4().hex[:10].upper()

    async def go():
        async with world.db.transaction() as s:
            s.add(AftersaleCase(
                shop_id=shop.id, number=number, kind="return", status=status, reason="defect", description="鞋底开胶",
                customer_id=customer_id, conversation_id=conversation_id, order_number="DD2026001" if order else None,
                order=order_facts(paid_fen, shipping_fen) if order else None,
                policy={},
                refund_fen=refund_fen, updated_at=now()))

    world.run(go)
    return number


def offer(agent, number: str, kind: str = "coupon", amount="10", note: str = ""):
    return agent.post(f"/api/cases/{number}/compensations", {"kind": kind, "amount": amount, "note": note})
