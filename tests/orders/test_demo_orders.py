"""The demo shop's orders: parcels on the way (one delayed), a cardigan delivered yesterday, a coat delivered ten
days ago, two unpaid orders of which one is past the 催付 delay — visible through the same API the workspace
uses, linked to the demo's buyers and their chats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kefu.core.clock import as_utc, now
from kefu.demo.seed import DEMO_PASSWORD, DEMO_SLUG, load_demo
from kefu.orders.models import Order
from kefu.shops.models import Shop


def test_the_demo_buyers_have_orders_that_make_the_sidebar_alive(world):
    world.run(load_demo, world.db)

    async def go():
        async with world.db.transaction() as s:
            shop = await s.scalar(select(Shop).where(Shop.slug == DEMO_SLUG))
            return list(await s.scalars(select(Order).where(Order.shop_id == shop.id)))

    orders = world.run(go)
    assert all(o.customer_id and o.buyer_phone and "*" not in o.buyer_phone for o in orders)
    assert sum(o.logistics_status == "in_transit" for o in orders) >= 3
    assert [o.buyer_name for o in orders if o.logistics_status == "delayed"] == ["大橘为重"]
    delivered = {o.number: now() - as_utc(o.delivered_at) for o in orders if o.delivered_at}
    assert any(age < timedelta(days=2) for n, age in delivered.items()
               if next(o for o in orders if o.number == n).category == "clothing")
    assert any(timedelta(days=9) < age < timedelta(days=11) for age in delivered.values())
    assert sum(o.status == "unpaid" for o in orders) == 2

    lulu = world.login("lulu", DEMO_PASSWORD)
    unpaid = lulu.get("/api/orders/unpaid").json()["orders"]
    assert [o["buyer_name"] for o in unpaid] == ["糖糖不吃糖"]
    assert unpaid[0]["conversation_id"] and unpaid[0]["reminded"] is None
    mine = lulu.get(f"/api/orders?conversation_id={unpaid[0]['conversation_id']}").json()["orders"]
    assert mine[0]["status"] == "unpaid" and mine[0]["buyer_phone"].startswith("173****")
