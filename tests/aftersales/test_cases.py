"""After-sale cases over the workspace API: opened from a chat, a ticket or an order with its 售后 ticket; the
preview is what confirming stores; the policy in force when the case opened decides it; statuses move only along
the allowed transitions, every change audited and sent live to the workspace and the buyer."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def at(d, hh, mm=0) -> datetime:
    return datetime(2026, 12, d, hh, mm, tzinfo=SH)


def make_order(world, shop, number, *, buyer=None, customer_id=None, paid=25900, shipping=1000,
               delivered=at(1, 15, 20), category="女装/连衣裙", promo=None, status="delivered"):
    """An order in the built-in store, as a shop without its own system keeps them."""
    from kefu.customers.models import Customer
    from kefu.orders.models import Order

    async def go():
        async with world.db.transaction() as s:
            ref = (await s.get(Customer, buyer.session["customer"]["id"])).visitor_id if buyer else None
            s.add(Order(shop_id=shop.id, number=number, status=status, total_fen=paid, shipping_fen=shipping,
                        category=category, promo_price_fen=promo, buyer_ref=ref, customer_id=customer_id,
                        items=[{"name": "连衣裙", "qty": 1, "price_fen": paid}],
                        placed_at=at(1, 9), paid_at=at(1, 9), delivered_at=delivered, updated_at=at(1, 9)))

    world.run(go)
    return number


def chat(world, frozen, text="发错货了，我买的是红色收到的是蓝色", day=3, hour=10):
    frozen.freeze(at(day, hour))
    shop = world.shop()
    agent = world.agent(shop, group="售后", name="小售后")
    buyer = world.buyer(shop)
    r = buyer.send(text)
    assert r.status_code == 201, r.text
    return shop, agent, buyer, r.json()["conversation_id"]


def open_case(agent, expect=201, **body):
    r = agent.post("/api/cases", body)
    assert r.status_code == expect, r.text
    return r.json()


def test_a_wrong_item_from_a_chat_previews_then_confirms_the_same_outcome_and_the_buyer_gets_a_card(world, frozen):
    shop, agent, buyer, conv = chat(world, frozen)
    number = make_order(world, shop, "202612010001", buyer=buyer)
    body = {"kind": "reship", "reason": "wrong_item", "order_number": number, "conversation_id": conv,
            "description": "收到蓝色，应为红色"}
    r = agent.post("/api/cases/preview", body)
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["outcome"]["allowed"] and preview["outcome"]["rule"] == "seller_fault"
    assert preview["outcome"]["reship_now"] and "补发" in preview["outcome"]["reason_text"]
    assert preview["reason_label"] == "发错商品" and preview["policy_version"] == 0
    assert agent.get(f"/api/cases?conversation_id={conv}").json()["cases"] == []  # the preview stored nothing

    made = open_case(agent, **body)
    case = made["case"]
    assert case["number"].startswith("SH-") and case["status"] == "open" and case["order"]["paid"] == 25900
    assert made["proposed"] == preview["outcome"] and made["ticket"]["status"] == "open"
    ticket = agent.get(f"/api/tickets/{made['ticket']['number']}").json()["ticket"]
    assert case["number"] in ticket["title"] and ticket["order_numbers"] == [number] and ticket["kind"] == "售后"
    assert ticket["clocks"]["resolution"]["due_at"]  # the ticket engine's SLA clocks run on it

    r = agent.post(f"/api/cases/{case['number']}/confirm")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["case"]["outcome"] == preview["outcome"] and done["case"]["status"] == "confirmed"
    assert done["case"]["next"] == ["reshipped", "rejected", "closed"]  # nothing comes back: no awaiting_return
    assert agent.post(f"/api/cases/{case['number']}/confirm").status_code == 409  # once

    msgs = buyer.get("/api/widget/conversation").json()["messages"]
    card = [m for m in msgs if (m.get("card") or {}).get("kind") == "case"]
    assert card and card[-1]["card"]["number"] == case["number"] and card[-1]["card"]["reship_now"] is True

    r = agent.post(f"/api/cases/{case['number']}/status", {"status": "reshipped", "note": "顺丰 SF123"})
    assert r.status_code == 200 and r.json()["case"]["status"] == "reshipped"
    assert r.json()["ticket"]["status"] == "resolved"  # the ticket follows its case
    mine = buyer.get("/api/widget/cases").json()["cases"]
    assert [(c["number"], c["status"], c["outcome"]["reship_now"]) for c in mine] == [
        (case["number"], "reshipped", True)]
    assert "override_note" not in mine[0] and "responsibility_note" not in mine[0]
    fields = [c["field"] for c in r.json()["changes"]]
    assert fields[:1] == ["opened"] and {"outcome", "status", "note"} <= set(fields)


def test_opened_from_a_ticket_and_from_an_order(world, frozen):
    shop, agent, buyer, conv = chat(world, frozen, "订单 202612010002 尺码不合适想换货")
    number = make_order(world, shop, "202612010002", buyer=buyer)
    t = agent.post("/api/tickets", {"kind": "售后", "title": "换货", "conversation_id": conv,
                                    "order_numbers": [number]}).json()["ticket"]
    made = open_case(agent, kind="exchange", reason="wrong_size", ticket_number=t["number"], return_shipping=13.01)
    c = made["case"]
    assert (made["ticket"]["number"], c["conversation_id"], c["order_number"]) == (t["number"], conv, number)
    assert made["proposed"]["rule"] == "exchange_split" and made["proposed"]["buyer_pays"] == 6.5

    # from the order alone: its buyer is found by the visitor who placed it
    other = make_order(world, shop, "202612010003", buyer=buyer, delivered=None, status="shipped")
    made = open_case(agent, kind="refund_only", reason="changed_mind", order_number=other, confirm=True)
    assert made["case"]["customer_id"] == c["customer_id"] and made["case"]["status"] == "confirmed"
    assert made["case"]["refund"] == 269.0 and made["case"]["outcome"]["rule"] == "before_delivery"
    listed = agent.get(f"/api/cases?customer_id={c['customer_id']}&status=active").json()["cases"]
    assert {x["number"] for x in listed} == {c["number"], made["case"]["number"]}


def test_a_policy_change_applies_to_new_cases_only(world, frozen):
    shop, agent, buyer, conv = chat(world, frozen, day=10)  # day 9 after delivery: outside the default 7 days
    admin = world.agent(shop, role="admin", name="店长")
    number = make_order(world, shop, "202612010004", buyer=buyer)
    body = {"kind": "return", "reason": "no_reason", "order_number": number, "conversation_id": conv,
            "return_shipping": 12}
    old = open_case(agent, **body)
    assert old["proposed"]["allowed"] is False and old["proposed"]["rule"] == "no_reason_window"

    r = admin.put("/api/aftersales/policy", {"policy": {"no_reason_days": 15},
                                             "reasons": [{"code": "no_reason", "label": "七天无理由"},
                                                         {"code": "wrong_item", "label": "发错货"}]})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["policy"]["no_reason_days"] == 15
    new = open_case(agent, **body)
    assert new["proposed"]["allowed"] and new["case"]["policy_version"] == 1
    assert new["case"]["reason_label"] == "七天无理由"
    # the old case keeps the policy it was opened under
    assert agent.get(f"/api/cases/{old['case']['number']}").json()["proposed"]["allowed"] is False
    r = agent.post(f"/api/cases/{old['case']['number']}/confirm")
    assert r.json()["case"]["status"] == "rejected" and r.json()["case"]["outcome"]["rule"] == "no_reason_window"
    # a reason the new list no longer has is refused for new cases
    r = agent.post("/api/cases", {**body, "reason": "changed_mind"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_case_reason"
    assert admin.put("/api/aftersales/policy", {"policy": {}}).json()["version"] == 2
    assert agent.put("/api/aftersales/policy", {"policy": {}}).status_code == 403  # admins only


def test_statuses_move_only_along_the_allowed_transitions_and_each_leaves_an_audit_row(world, frozen):
    shop, agent, buyer, conv = chat(world, frozen, "衣服有质量问题，开线了")
    number = make_order(world, shop, "202612010005", buyer=buyer)
    made = open_case(agent, kind="return", reason="defect", order_number=number, conversation_id=conv,
                     return_shipping=12, confirm=True)
    n = made["case"]["number"]
    assert made["case"]["status"] == "confirmed" and made["case"]["next"] == ["awaiting_return", "rejected", "closed"]
    r = agent.post(f"/api/cases/{n}/status", {"status": "refunded"})  # not before the item is back
    assert r.status_code == 409 and r.json()["error"]["code"] == "case_status_forbidden"
    assert "待买家寄回" in r.json()["error"]["zh"] and r.json()["error"]["en"]
    assert agent.post(f"/api/cases/{n}/status", {"status": "nonsense"}).status_code == 409
    for status, ticket in (("awaiting_return", "waiting_buyer"), ("returned", "in_progress"),
                           ("refunded", "resolved"), ("closed", "resolved")):
        r = agent.post(f"/api/cases/{n}/status", {"status": status})
        assert r.status_code == 200, r.text
        assert r.json()["case"]["status"] == status and r.json()["ticket"]["status"] == ticket
    assert agent.post(f"/api/cases/{n}/status", {"status": "open"}).status_code == 409  # closed is final
    r = agent.post(f"/api/cases/{n}/responsibility", {"responsibility": "seller", "note": "仓库质检漏检"})
    assert r.status_code == 200 and r.json()["case"]["responsibility"] == "seller"
    assert agent.post(f"/api/cases/{n}/responsibility", {"responsibility": "god"}).status_code == 422
    changes = r.json()["changes"]
    moves = [(c["before"], c["after"]) for c in changes if c["field"] == "status"]
    assert moves == [("open", "confirmed"), ("confirmed", "awaiting_return"), ("awaiting_return", "returned"),
                     ("returned", "refunded"), ("refunded", "closed")]
    assert all(c["agent_id"] == agent.id and c["actor"] == "agent" for c in changes if c["field"] == "status")
    assert changes[-1]["field"] == "responsibility_note" and changes[-1]["after"] == "仓库质检漏检"
    cards = [m for m in buyer.get("/api/widget/conversation").json()["messages"] if m.get("card")]
    assert [m["card"]["status"] for m in cards] == ["confirmed", "refunded"]  # closing after refunded: no new card


def test_case_updates_reach_the_workspace_and_the_buyers_socket(world, frozen):
    shop, agent, buyer, conv = chat(world, frozen)
    number = make_order(world, shop, "202612010006", buyer=buyer)
    with buyer.ws() as ws:
        open_case(agent, kind="reship", reason="wrong_item", order_number=number, conversation_id=conv)
        for _ in range(20):
            frame = ws.receive_json()
            ev = frame.get("event") or {}
            if ev.get("type") == "case.updated":
                break
        assert ev["data"]["case"]["order_number"] == number and ev["conversation_id"] == conv
        assert "override_note" not in ev["data"]["case"]


def test_a_platform_deadline_warns_2_hours_before_and_marks_the_case_overdue(world, frozen):
    from kefu.aftersales.service import DUE_TIMER, WARN_TIMER
    from kefu.core.scheduler import run_due

    shop, agent, buyer, conv = chat(world, frozen, day=4, hour=8)  # the agent's session lasts 12 h
    number = make_order(world, shop, "202612010007", buyer=buyer)
    n = open_case(agent, kind="return", reason="defect", order_number=number, conversation_id=conv)["case"]["number"]
    due = at(4, 18)
    r = agent.post(f"/api/cases/{n}/platform", {"platform_ref": "TB-XE-8812", "due_at": due.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["case"]["platform_state"] == "running" and r.json()["case"]["platform_ref"] == "TB-XE-8812"
    for bad in ("2026-12-02T10:00:00+08:00", "2026-12-05T10:00:00"):  # in the past; without a zone
        r = agent.post(f"/api/cases/{n}/platform", {"platform_ref": "x", "due_at": bad})
        assert r.status_code == 422 and r.json()["error"]["zh"] and r.json()["error"]["en"]

    def run():
        world.run(lambda: run_due(world.db, limit=1000, kinds={WARN_TIMER, DUE_TIMER}))

    frozen.freeze(at(4, 15, 59))
    run()
    assert not [c for c in agent.get(f"/api/cases/{n}").json()["changes"] if c["field"].startswith("platform_")
                and c["field"] != "platform_ref" and c["field"] != "platform_due_at"]
    frozen.freeze(at(4, 16, 1))
    run()
    detail = agent.get(f"/api/cases/{n}").json()
    assert detail["case"]["platform_state"] == "due_soon"
    assert [c["field"] for c in detail["changes"]].count("platform_warning") == 1
    frozen.freeze(due + timedelta(minutes=1))
    run()
    run()  # once only
    detail = agent.get(f"/api/cases/{n}").json()
    assert detail["case"]["platform_state"] == "overdue"
    assert [c["field"] for c in detail["changes"]].count("platform_overdue") == 1
    assert [c["actor"] for c in detail["changes"] if c["field"] == "platform_overdue"] == ["system"]


def test_the_policy_page_is_for_admins_and_the_widget_loads_the_buyers_cases(world, frozen):
    shop, agent, _buyer, _conv = chat(world, frozen)
    admin = world.agent(shop, role="admin", name="店长")
    page = admin.get("/admin/aftersales")
    assert page.status_code == 200 and 'id="pa-form"' in page.text and "policy-admin.js" in page.text
    assert "<script>" not in page.text and " style=" not in page.text
    assert 'aria-current="page">售后政策' in page.text
    assert agent.get("/admin/aftersales").status_code == 403
    assert world.client.get("/admin/aftersales", follow_redirects=False).status_code in (302, 303)
    widget = world.client.get(f"/widget/{shop.slug}").text
    assert "widget-cases.js" in widget and 'id="wg-case-panel"' in widget
    assert agent.get("/api/aftersales/policy").json()["policy"]["reasons"][0] == {"code": "no_reason",
                                                                                 "label": "无理由"}


def test_confirming_records_who_the_reason_makes_responsible_unless_the_agent_decided(world, frozen):
    shop, agent, buyer, conv = chat(world, frozen)
    wrong = make_order(world, shop, "202612020031", buyer=buyer)
    case = open_case(agent, kind="reship", reason="wrong_item", conversation_id=conv, order_number=wrong,
                     confirm=True)["case"]
    assert case["responsibility"] == "seller" and "发错商品" in case["responsibility_note"]
    other = make_order(world, shop, "202612020032", buyer=buyer)
    n = open_case(agent, kind="return", reason="damaged_in_transit", conversation_id=conv,
                  order_number=other)["case"]["number"]
    decided = agent.post(f"/api/cases/{n}/responsibility", {"responsibility": "seller", "note": "包装太薄"})
    assert decided.status_code == 200
    confirmed = agent.post(f"/api/cases/{n}/confirm").json()["case"]
    assert confirmed["responsibility"] == "seller" and confirmed["responsibility_note"] == "包装太薄"
