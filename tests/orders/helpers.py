"""Shared pieces of the orders tests: a shop with an admin, an agent and buyers in chat, built-in orders."""

from __future__ import annotations

from datetime import timedelta

from kefu.core.clock import iso, now


def order(number: str, **kw) -> dict:
    at = now()
    return {"number": number, "status": "shipped", "total_fen": 19900, "shipping_fen": 0,
            "items": [{"name": "针织开衫 米白 M", "qty": 1, "price_fen": 19900, "category": "clothing"}],
            "buyer_name": "小鱼", "buyer_phone": "13812342231", "address": "上海市徐汇区漕溪北路 1 号",
            "payment_method": "alipay", "carrier": "顺丰", "tracking_number": "SF1234567890123",
            "logistics_status": "in_transit", "placed_at": iso(at - timedelta(days=2)),
            "paid_at": iso(at - timedelta(days=2)), "shipped_at": iso(at - timedelta(days=1)), **kw}


class Shop:
    def __init__(self, world) -> None:
        self.world = world
        self.shop = world.shop()
        self.admin = world.agent(self.shop, role="admin", name="鹿店长")
        self.agent = world.agent(self.shop, name="小李")

    def buyer(self, text: str = "你好，我想查一下订单"):
        b = self.world.buyer(self.shop)
        r = b.send(text)
        assert r.status_code == 201, r.text
        b.conv = r.json()["conversation_id"]
        b.customer_id = b.session["customer"]["id"]
        return b

    def put(self, data: dict, customer_id: int | None = None, expect: int | None = None):
        r = self.admin.post("/api/admin/orders", {"order": data, "customer_id": customer_id})
        if expect is not None:
            assert r.status_code == expect, r.text
        return r


def error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["zh"] and err["en"], err
    return err
