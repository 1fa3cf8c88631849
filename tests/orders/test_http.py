"""The HTTP connector against a real local order system (tests/orders/fake_erp.py): the buyer's orders and one
order come from the shop's system with the bearer token; answers are cached for 30 s; a 500, a timeout or
garbage is the clear 503 "订单系统暂时无法访问" while the chat keeps working; other domains' find_order goes
through it too; automatic 催付 calls the shop's remind callback once per order."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from kefu.core.clock import iso, now
from kefu.orders import jobs, service
from kefu.orders.models import PaymentReminder
from tests.orders.fake_erp import FakeErp
from tests.orders.helpers import Shop, error, order
from tests.orders.test_api import rows


@pytest.fixture(scope="module")
def erp():
    server = FakeErp().start()
    yield server
    server.stop()


@pytest.fixture
def shop(world, erp):
    erp.orders.clear()
    erp.hits.clear()
    erp.reminded.clear()
    erp.mode, erp.unpaid_list = "ok", True
    w = Shop(world)
    r = w.admin.put("/api/admin/orders/settings", {"mode": "http", "base_url": erp.base, "token": "erp-token-1",
                                                   "timeout": 1, "remind_delay_minutes": 30, "auto_remind": True})
    assert r.status_code == 200, r.text
    return w


def visitor_of(world, customer_id: int) -> str:
    from kefu.customers.models import Customer

    async def go():
        async with world.db.transaction() as s:
            return (await s.get(Customer, customer_id)).visitor_id

    return world.run(go)


def test_orders_come_from_the_shops_system_with_the_token_and_are_cached(world, erp, shop, frozen):
    b = shop.buyer()
    ref = visitor_of(world, b.customer_id)
    erp.orders["5000000000000001"] = order("5000000000000001", buyer_ref=ref)
    erp.orders["5000000000000002"] = order("5000000000000002", buyer_ref="someone-else")
    r = shop.agent.get(f"/api/orders?conversation_id={b.conv}")
    assert r.status_code == 200, r.text
    got = r.json()["orders"]
    assert [o["number"] for o in got] == ["5000000000000001"] and got[0]["buyer_phone"] == "138****2231"
    assert erp.hits == [("GET", f"/api/buyers/{ref}/orders", "Bearer erp-token-1")]
    shop.agent.get(f"/api/orders?conversation_id={b.conv}")
    assert len(erp.hits) == 1  # the second call is answered from the cache
    other = shop.agent.get(f"/api/orders/5000000000000002?conversation_id={b.conv}").json()["order"]
    assert other == {"number": "5000000000000002", "status": "shipped", "needs_verification": True}
    frozen.advance(seconds=31)
    shop.agent.get(f"/api/orders?conversation_id={b.conv}")
    assert len(erp.hits) == 3  # 30 s later it asks again
    error(shop.agent.get(f"/api/orders/5999999999999999?conversation_id={b.conv}"), 404, "order_not_found")


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_a_broken_order_system_is_a_clear_503(world, erp, shop, mode):
    b = shop.buyer()
    erp.mode = mode
    err = error(shop.agent.get(f"/api/orders?conversation_id={b.conv}"), 503, "order_system_unavailable")
    assert err["zh"] == "订单系统暂时无法访问" and err["en"] == "The order system is unavailable right now"
    r = b.send("还在吗？")  # the chat goes on
    assert r.status_code == 201
    assert shop.agent.get(f"/api/conversations/{b.conv}").json()["messages"][-1]["text"] == "还在吗？"


def test_a_hanging_order_system_times_out_while_the_chat_keeps_working(world, erp, shop):
    b = shop.buyer()
    erp.mode = "slow"
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        pending = pool.submit(shop.agent.get, f"/api/orders?conversation_id={b.conv}")
        time.sleep(0.2)  # the order call is waiting on the shop's system now
        sent = b.send("订单查不到吗")
        took = time.monotonic() - started
        assert sent.status_code == 201 and not pending.done() and took < 0.9, took
        r = pending.result(10)
        waited = time.monotonic() - started
    error(r, 503, "order_system_unavailable")
    assert 0.9 <= waited < 2.4, waited  # kefu's 1 s timeout, not the system's 2.5 s


def test_find_order_of_other_domains_goes_through_the_connector(world, erp, shop):
    erp.orders["5000000000000010"] = order("5000000000000010", total_fen=8800)

    async def go():
        async with world.db.transaction() as s:
            return await service.find_order(s, shop.shop.id, "5000000000000010"), \
                await service.find_order(s, shop.shop.id, "5000000000000011")

    found, missing = world.run(go)
    assert found.total_fen == 8800 and found.placed_at is not None and missing is None


def test_unpaid_orders_are_reminded_through_the_callback_once(world, erp, shop, frozen):
    from kefu.core.scheduler import run_due

    erp.orders["5000000000000020"] = order("5000000000000020", status="unpaid", paid_at=None, shipped_at=None,
                                           logistics_status="none", placed_at=iso(now() - timedelta(minutes=10)))
    listed = shop.agent.get("/api/orders/unpaid").json()
    assert listed["orders"] == [] and listed["auto_remind"] is True  # not yet past the 30 minutes
    erp.orders["5000000000000020"]["placed_at"] = iso(now() - timedelta(minutes=40))
    service.forget(shop.shop.id)
    listed = shop.agent.get("/api/orders/unpaid").json()
    assert [o["number"] for o in listed["orders"]] == ["5000000000000020"]

    def run():
        world.run(lambda: run_due(world.db, limit=100, kinds={service.REMIND_TIMER}))
        world.run(jobs.settle)

    run()
    assert [r["number"] for r in erp.reminded] == ["5000000000000020"]
    assert "付款" in erp.reminded[0]["text"]
    assert [r.via for r in rows(world, PaymentReminder, order_number="5000000000000020")] == ["callback"]
    service.forget(shop.shop.id)
    shop.agent.get("/api/orders/unpaid")  # seen again: no second timer, no second call
    frozen.advance(hours=1)
    run()
    assert len(erp.reminded) == 1
    assert shop.agent.get("/api/orders/unpaid").json()["orders"][0]["reminded"]["via"] == "callback"
    error(shop.agent.post("/api/orders/5000000000000020/remind", {}), 409, "already_reminded")


def test_a_paid_order_is_not_reminded_and_a_system_without_the_list_says_so(world, erp, shop, frozen):
    from kefu.core.scheduler import run_due

    erp.orders["5000000000000030"] = order("5000000000000030", status="unpaid", paid_at=None, shipped_at=None,
                                           logistics_status="none", placed_at=iso(now() - timedelta(minutes=5)))
    shop.agent.get("/api/orders/unpaid")
    b = shop.buyer()
    shop.agent.get(f"/api/orders/5000000000000030?conversation_id={b.conv}")  # seen: a timer for +30 min
    erp.orders["5000000000000030"]["status"] = "paid"  # the buyer paid meanwhile
    frozen.advance(minutes=31)
    world.run(lambda: run_due(world.db, limit=100, kinds={service.REMIND_TIMER}))
    world.run(jobs.settle)
    assert erp.reminded == []
    erp.unpaid_list = False
    service.forget(shop.shop.id)
    listed = shop.agent.get("/api/orders/unpaid").json()
    assert listed["supported"] is False and listed["orders"] == []
