"""Orders in the workspace with the built-in store: the chat's buyer's orders with every detail and the phone
masked; another buyer's order only as number and status until the buyer tells the phone's last 4 digits
(right and wrong answers recorded, 5 wrong ones end the checks in that chat); the order card reaching the
buyer; 催付 once per order; the admin's orders, CSV import and settings; every bad input a clear 4xx."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kefu.core.clock import iso, now
from kefu.orders.models import BuyerVerification, Order, PaymentReminder
from tests.orders.helpers import Shop, error, order


def rows(world, model, **where):
    async def go():
        async with world.db.transaction() as s:
            q = select(model)
            for k, v in where.items():
                q = q.where(getattr(model, k) == v)
            return list(await s.scalars(q))

    return world.run(go)


def test_the_buyers_own_orders_come_newest_first_with_details_and_a_masked_phone(world):
    w = Shop(world)
    b = w.buyer()
    w.put(order("2026120700000001", placed_at=iso(now() - timedelta(days=5))), b.customer_id, expect=201)
    w.put(order("2026120700000002", status="unpaid", paid_at=None, shipped_at=None, logistics_status="none"),
          b.customer_id, expect=201)
    w.put(order("2026120700000003", buyer_name="别人"), expect=201)  # someone else's
    r = w.agent.get(f"/api/orders?conversation_id={b.conv}")
    assert r.status_code == 200, r.text
    got = r.json()["orders"]
    assert [o["number"] for o in got] == ["2026120700000002", "2026120700000001"]
    first = got[1]
    assert first["needs_verification"] is False and first["buyer_phone"] == "138****2231"
    assert first["items"][0]["name"] == "针织开衫 米白 M" and first["tracking_number"] == "SF1234567890123"
    assert "13812342231" not in r.text


def test_another_buyers_order_is_hidden_until_the_last_four_digits_match(world):
    w = Shop(world)
    b = w.buyer("订单 2026120700000009 到哪了")
    w.put(order("2026120700000009", buyer_ref="member-889"), expect=201)
    url = f"/api/orders/2026120700000009?conversation_id={b.conv}"
    listed = w.agent.get(f"/api/orders?conversation_id={b.conv}").json()  # the number the buyer typed
    assert listed["orders"] == [] and listed["mentioned"] == ["2026120700000009"]
    assert listed["others"] == [{"number": "2026120700000009", "status": "shipped", "needs_verification": True}]
    hidden = w.agent.get(url).json()["order"]
    assert hidden == {"number": "2026120700000009", "status": "shipped", "needs_verification": True}
    # the card is refused until then: nothing of the order reaches a chat whose buyer may not own it
    error(w.agent.post("/api/orders/2026120700000009/card", {"conversation_id": b.conv}), 403, "needs_verification")

    wrong = w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "order_number": "2026120700000009",
                                                "last4": "0000"})
    assert wrong.status_code == 200 and wrong.json() == {"ok": False, "tries_left": 4, "order": {
        "number": "2026120700000009", "status": "shipped", "needs_verification": True}}
    assert w.agent.get(url).json()["order"]["needs_verification"] is True
    right = w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "order_number": "2026120700000009",
                                                "last4": "2231"})
    assert right.status_code == 200 and right.json()["ok"] is True
    assert right.json()["order"]["address"] == "上海市徐汇区****"  # identified: the order, its receiver masked
    shown = w.agent.get(url).json()["order"]
    assert shown["needs_verification"] is False and shown["buyer_phone"] == "138****2231"
    checks = rows(world, BuyerVerification, conversation_id=b.conv)
    assert [(c.ok, c.order_number, c.agent_id) for c in checks] == [
        (False, "2026120700000009", w.agent.id), (True, "2026120700000009", w.agent.id)]
    # the check holds for this chat only
    other = w.buyer()
    assert w.agent.get(f"/api/orders/2026120700000009?conversation_id={other.conv}").json()["order"][
        "needs_verification"] is True


def test_five_wrong_answers_end_the_checks_in_that_chat(world):
    w = Shop(world)
    b = w.buyer()
    w.put(order("2026120700000010", buyer_ref="member-1"), expect=201)
    body = {"conversation_id": b.conv, "order_number": "2026120700000010", "last4": "9999"}
    lefts = [w.agent.post("/api/orders/verify", body).json()["tries_left"] for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    err = error(w.agent.post("/api/orders/verify", {**body, "last4": "2231"}), 429, "too_many_tries")
    assert "核验" in err["zh"]
    assert len(rows(world, BuyerVerification, conversation_id=b.conv)) == 5  # the refused try is not a check


def test_a_check_against_the_buyers_phone_on_file(world):
    w = Shop(world)
    b = w.buyer()
    error(w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "last4": "2231"}), 422, "no_phone_on_file")


def test_another_shops_orders_and_chats_are_not_found(world):
    w, other = Shop(world), Shop(world)
    b = w.buyer()
    other.put(order("2026120700000020"), expect=201)
    error(w.agent.get(f"/api/orders/2026120700000020?conversation_id={b.conv}"), 404, "order_not_found")
    error(other.agent.get(f"/api/orders?conversation_id={b.conv}"), 404, "conversation_not_found")
    error(w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "order_number": "2026120700000020",
                                              "last4": "2231"}), 404, "order_not_found")
    assert not rows(world, BuyerVerification, conversation_id=b.conv)


def test_the_order_card_reaches_the_buyers_message_list(world):
    w = Shop(world)
    b = w.buyer()
    w.put(order("2026120700000030"), b.customer_id, expect=201)
    r = w.agent.post("/api/orders/2026120700000030/card", {"conversation_id": b.conv})
    assert r.status_code == 201, r.text
    msgs = b.get("/api/widget/conversation").json()["messages"]
    card = msgs[-1]["card"]
    assert card["kind"] == "order" and card["number"] == "2026120700000030" and card["item"] == "针织开衫 米白 M"
    assert card["tracking_number"] == "SF1234567890123" and msgs[-1]["text"].startswith("订单 2026120700000030")
    assert "buyer_phone" not in card and "address" not in card


def test_cuifu_lists_unpaid_orders_after_the_delay_and_reminds_once(world):
    w = Shop(world)
    b = w.buyer()
    old = order("2026120700000040", status="unpaid", paid_at=None, shipped_at=None, logistics_status="none",
                placed_at=iso(now() - timedelta(minutes=45)))
    w.put(old, b.customer_id, expect=201)
    w.put({**old, "number": "2026120700000041", "placed_at": iso(now() - timedelta(minutes=10))}, b.customer_id,
          expect=201)
    listed = w.agent.get("/api/orders/unpaid").json()
    assert [o["number"] for o in listed["orders"]] == ["2026120700000040"]
    row = listed["orders"][0]
    assert row["conversation_id"] == b.conv and row["reminded"] is None and row["buyer_name"]
    r = w.agent.post("/api/orders/2026120700000040/remind", {})
    assert r.status_code == 201, r.text
    assert r.json()["reminder"]["via"] == "chat" and r.json()["reminder"]["conversation_id"] == b.conv
    last = b.get("/api/widget/conversation").json()["messages"][-1]
    assert "2026120700000040" in last["text"] and "付款" in last["text"]
    error(w.agent.post("/api/orders/2026120700000040/remind", {}), 409, "already_reminded")
    assert len(rows(world, PaymentReminder, order_number="2026120700000040")) == 1
    assert w.agent.get("/api/orders/unpaid").json()["orders"][0]["reminded"]["via"] == "chat"
    error(w.agent.post("/api/orders/2026120700000030/remind", {}), 404, "order_not_found")
    w.put(order("2026120700000042"), expect=201)
    error(w.agent.post("/api/orders/2026120700000042/remind", {}), 409, "order_not_unpaid")


def test_a_reminder_without_an_open_chat_is_recorded(world):
    w = Shop(world)
    w.put(order("2026120700000050", status="unpaid", paid_at=None, shipped_at=None, logistics_status="none",
                placed_at=iso(now() - timedelta(hours=2))), expect=201)
    r = w.agent.post("/api/orders/2026120700000050/remind", {})
    assert r.status_code == 201 and r.json()["reminder"]["via"] == "record"


def test_admin_replaces_an_order_and_bad_orders_are_refused_keeping_the_stored_one(world):
    w = Shop(world)
    w.put(order("2026120700000060"), expect=201)
    w.put(order("2026120700000060", status="delivered", logistics_status="delivered"), expect=200)
    err = error(w.put(order("2026120700000060", total_fen=-5)), 422, "order_invalid")
    assert "total_fen" in err["zh"]
    stored = rows(world, Order, number="2026120700000060")
    assert len(stored) == 1 and stored[0].status == "delivered" and stored[0].total_fen == 19900
    error(w.put(order("2026120700000061"), customer_id=2**31 - 1), 422, "customer_not_found")
    error(w.agent.post("/api/admin/orders", {"order": order("2026120700000062")}), 403, "role_forbidden")


def test_csv_import_applies_all_rows_or_none_and_names_the_bad_ones(world):
    w = Shop(world)
    head = "number,buyer_ref,buyer_name,status,items,total,placed_at\n"
    good = "2026120700000070,v1,小鱼,paid,开衫×1×199,199,2026-12-01 10:00\n"
    bad = head + good + "2026120700000071,v2,阿May,paid,裙子×1×129,12.345,2026-12-01 10:00\n"

    def send(text: str):
        return w.admin.client.post("/api/admin/orders/import", headers=w.admin.headers(),
                                   files={"file": ("orders.csv", text.encode(), "text/csv")})

    err = error(send(bad), 422, "csv_rows_invalid")
    assert err["rows"] == [{"row": 3, "field": "total", "zh": err["rows"][0]["zh"], "en": err["rows"][0]["en"]}]
    assert not rows(world, Order, number="2026120700000070")  # nothing half-applied
    r = send(head + good)
    assert r.status_code == 200 and r.json() == {"imported": 1, "created": 1, "replaced": 0}
    assert send(head + good).json() == {"imported": 1, "created": 0, "replaced": 1}
    error(send("x" * (2 * 1024 * 1024 + 10)), 422, "csv_invalid")


def test_admin_settings_are_validated_and_the_token_never_comes_back(world):
    w = Shop(world)
    assert w.admin.get("/api/admin/orders/settings").json()["mode"] == "builtin"
    for body, field in (({"mode": "http", "base_url": "ftp://x"}, "base_url"), ({"timeout": 0}, "timeout"),
                        ({"timeout": 30}, "timeout"), ({"remind_delay_minutes": 2}, "remind_delay_minutes"),
                        ({"mode": "soap"}, "mode")):
        assert error(w.admin.put("/api/admin/orders/settings", body), 422, "order_settings_invalid")["field"] == field
    ok = w.admin.put("/api/admin/orders/settings", {"mode": "http", "base_url": "https://erp.example.com",
                                                    "token": "s3cret-token", "timeout": 2,
                                                    "remind_delay_minutes": 60, "auto_remind": True})
    assert ok.status_code == 200 and ok.json()["token_set"] is True and "s3cret" not in ok.text
    again = w.admin.get("/api/admin/orders/settings")
    assert again.json()["base_url"] == "https://erp.example.com" and "s3cret" not in again.text
    partial = w.admin.put("/api/admin/orders/settings", {"timeout": 5}).json()  # the rest is kept
    assert partial["mode"] == "http" and partial["timeout"] == 5 and partial["token_set"] is True
    error(w.agent.get("/api/admin/orders/settings"), 403, "role_forbidden")


def test_ids_and_texts_are_checked_at_the_edge(world):
    w = Shop(world)
    b = w.buyer()
    assert w.agent.get("/api/orders?conversation_id=0").status_code == 422
    assert w.agent.get(f"/api/orders?conversation_id={2**31}").status_code == 422
    assert w.agent.get(f"/api/orders/{'9' * 40}?conversation_id={b.conv}").status_code in (404, 422)
    assert w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "last4": "12a4"}).status_code == 422
    assert w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "last4": "12345"}).status_code == 422
    assert b.get(f"/api/orders?conversation_id={b.conv}").status_code == 401  # buyers never read this API


def test_a_check_against_the_phone_on_file_covers_orders_placed_with_that_phone(world):
    from kefu.customers.models import Customer

    w = Shop(world)
    b = w.buyer()

    async def phone():
        async with world.db.transaction() as s:
            (await s.get(Customer, b.customer_id)).phone = "138****2231"

    world.run(phone)
    w.put(order("2026120700000080", buyer_ref="member-7"), expect=201)
    w.put(order("2026120700000081", buyer_ref="member-8", buyer_phone="13900001111"), expect=201)
    r = w.agent.post("/api/orders/verify", {"conversation_id": b.conv, "last4": "2231"})
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["order"] is None
    same = w.agent.get(f"/api/orders/2026120700000080?conversation_id={b.conv}").json()["order"]
    other = w.agent.get(f"/api/orders/2026120700000081?conversation_id={b.conv}").json()["order"]
    assert same["needs_verification"] is False and other["needs_verification"] is True


def test_the_admin_page_is_for_admins(world):
    w = Shop(world)
    page = w.admin.get("/admin/orders")
    assert page.status_code == 200 and 'id="oa-form"' in page.text and "订单对接" in page.text
    assert " style=" not in page.text and "<script>" not in page.text  # no inline styles or scripts (CSP)
    assert w.agent.get("/admin/orders").status_code == 403
    assert world.client.get("/admin/orders", follow_redirects=False).status_code in (302, 303, 307)
