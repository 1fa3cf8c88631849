"""The IDOR matrix (issue #14 point 12): shop A's real ids of every kind — a chat, an article and its version, a
template, a synonym group, an image, a ticket, a ledger entry, a webhook, an order, a case, a compensation request,
a complaint, a flag, an agent, a buyer, a hand-off, a notification — put into every operation of the API, called by
shop B's admin (and, for the widget's operations, by another buyer of shop A). None may succeed, and A's data is
unchanged afterwards. An operation whose ids this file cannot fill fails the test, so a new endpoint gets covered."""

from __future__ import annotations

import io
import re

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from PIL import Image
from sqlalchemy import select

from tests.conversations.test_realtime import until

PUBLIC = {("POST", "/api/widget/{shop_slug}/session")}  # anyone may start a chat with any shop


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def _shop_a(world) -> tuple[dict, dict]:
    """Shop A with one of everything; returns (ids by kind, the buyer and staff used)."""
    from kefu.handoffs.models import Handoff
    from kefu.notifications.models import Notification

    shop = world.shop("甲店")
    admin = world.agent(shop, role="admin")
    agent = world.agent(shop, group="售后")
    buyer = world.buyer(shop)
    conv = buyer.send("我的订单 202612010009 发错货了").json()["conversation_id"]
    agent.post(f"/api/conversations/{conv}/take")
    key = buyer.client.post("/api/widget/attachments", headers=buyer.headers(),
                            files={"file": ("a.png", _png(), "image/png")}).json()["attachment"]["id"]
    article = admin.post("/api/kb/articles", {"title": "甲店的退货规则", "answer": "<p>七天</p>"}).json()["article"]
    template = admin.post("/api/kb/templates", {"scene": "greeting", "title": "问候", "shortcut": "hi",
                                                "body": "您好"}).json()["template"]
    group = admin.post("/api/kb/synonyms", {"words": ["尺码", "鞋码"]}).json()["group"]
    ticket = agent.post("/api/tickets", {"kind": "售后", "title": "发错货", "conversation_id": conv}).json()["ticket"]
    entry = agent.post("/api/ledger", {"ticket": ticket["number"], "kind": "wrong_shipment",
                                       "description": "发错颜色"}).json()["entry"]
    hook = admin.post("/api/admin/notifications/webhooks", {"url": "http://127.0.0.1:9/hook"}).json()["webhook"]
    order = {"number": "202612010009", "status": "delivered", "total_fen": 19900,
             "placed_at": "2026-12-01T10:00:00+08:00", "delivered_at": "2026-12-05T10:00:00+08:00",
             "items": [{"name": "开衫", "qty": 1, "price_fen": 19900}]}
    admin.post("/api/admin/orders", {"order": order, "customer_id": buyer.session["customer"]["id"]})
    case = agent.post("/api/cases", {"kind": "reship", "reason": "wrong_item", "conversation_id": conv,
                                     "order_number": "202612010009"}).json()["case"]
    comp = agent.post(f"/api/cases/{case['number']}/compensations", {"kind": "coupon", "amount": 80,
                                                                     "note": "第三次了"}).json()["compensation"]
    complaint = agent.post("/api/cases", {"kind": "complaint", "conversation_id": conv}).json()["case"]
    customer = buyer.session["customer"]["id"]
    flag = agent.post(f"/api/customers/{customer}/flags", {"flag": "venting", "note": "有辱骂"}).json()["flag"]
    agent.post(f"/api/conversations/{conv}/escalate", {"note": "超出权限"})
    second = agent.post("/api/tickets", {"kind": "咨询", "title": "发票"}).json()["ticket"]
    agent.post(f"/api/tickets/{second['number']}/assign", {"assignee_id": admin.id})  # the admin's bell rings

    async def lookup():
        async with world.db.transaction() as s:
            return (await s.scalar(select(Handoff.id).where(Handoff.shop_id == shop.id)),
                    await s.scalar(select(Notification.id).where(Notification.shop_id == shop.id)))

    handoff, notification = world.run(lookup)
    messages = buyer.get(f"/api/widget/conversations/{conv}").json()["messages"]
    ids = {"conversation_id": conv, "key": key, "article_id": article["id"], "version": article["version"],
           "template_id": template["id"], "group_id": group["id"], "entry_id": entry["id"], "endpoint_id": hook["id"],
           "comp_id": comp["id"], "customer_id": customer, "flag_id": flag["id"], "agent_id": agent.id,
           "handoff_id": handoff, "notification_id": notification, "message_id": messages[-1]["id"],
           "ticket": ticket["number"], "order": "202612010009", "case": case["number"],
           "complaint": complaint["number"]}
    assert [k for k, v in ids.items() if v is None] == [], ids
    return ids, {"admin": admin, "agent": agent, "buyer": buyer, "shop": shop}


def _fill(path: str, ids: dict) -> dict | None:
    out = {}
    for name in re.findall(r"{(\w+)}", path):
        if name == "number":
            kind = ("complaint" if "complaints" in path else "case" if "/cases" in path else
                    "order" if "/orders" in path else "ticket")
            out[name] = ids[kind]
        elif name == "followup_id":
            return None  # the matrix has no follow-up visit yet (they exist once a complaint reaches its end)
        elif name in ("log_id",):
            out[name] = ids["message_id"]
        elif name in ids:
            out[name] = ids[name]
        else:
            return None
    return out


def _attack(client, ops, ids: dict, headers: dict, who: str) -> list[str]:
    """Every operation with A's ids as ``who``; the ones that answered 2xx (a leak)."""
    leaks: list[str] = []
    for op in ops:
        _run_one(client, op, _fill(op.path, ids), headers, who, leaks)
    return leaks


def _run_one(client, op, filled: dict, headers: dict, who: str, leaks: list[str]) -> None:
    @settings(max_examples=2, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy())
    def run(case):
        case.path_parameters = {**(case.path_parameters or {}), **filled}
        kw = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
        kw.pop("cookies", None)
        r = client.request(**kw)
        assert r.status_code < 500, (kw["method"], kw["url"], r.text[:200])
        if r.status_code < 300:
            leaks.append(f"{who}: {kw['method']} {kw['url']} -> {r.status_code} {r.text[:120]}")

    run()


def test_no_id_of_another_shop_or_buyer_works_anywhere(world, client):
    ids, a = _shop_a(world)
    schema = schemathesis.openapi.from_dict(client.app.openapi())
    ops = [r.ok() for r in schema.get_all_operations()]
    with_ids = [op for op in ops if "{" in op.path and (op.method.upper(), op.path) not in PUBLIC]
    uncovered = sorted(f"{op.method.upper()} {op.path}" for op in with_ids if _fill(op.path, ids) is None)
    assert uncovered == ["PATCH /api/followups/{followup_id}", "POST /api/followups/{followup_id}"]
    staff_ops = [op for op in with_ids if _fill(op.path, ids) is not None and not op.path.startswith("/api/widget/")]
    widget_ops = [op for op in with_ids if _fill(op.path, ids) is not None and op.path.startswith("/api/widget/")]
    before = a["admin"].get(f"/api/kb/articles/{ids['article_id']}").json()["article"]

    shop_b = world.shop("乙店")
    intruder = world.agent(shop_b, role="admin")
    other_buyer = world.buyer(a["shop"])  # the same shop, another buyer
    client.cookies.clear()
    leaks = _attack(client, staff_ops, ids, intruder.headers(), "shop B's admin")
    leaks += _attack(client, widget_ops, ids, other_buyer.headers(), "another buyer")
    assert leaks == []

    after = a["admin"].get(f"/api/kb/articles/{ids['article_id']}").json()["article"]
    assert after["version"] == before["version"] and after["title"] == before["title"]
    assert a["agent"].get(f"/api/tickets/{ids['ticket']}").json()["ticket"]["status"] == "open"
    assert a["agent"].get(f"/api/cases/{ids['case']}").json()["case"]["status"] == "open"
    pending = a["admin"].get("/api/compensation/requests?status=pending").json()["requests"]
    assert [r["id"] for r in pending] == [ids["comp_id"]]
    # the harness can see a success: the same calls by A's own admin do get through (this changes A's data)
    assert len(_attack(client, staff_ops, ids, a["admin"].headers(), "A's admin")) >= 20


def test_no_socket_frame_reaches_another_shops_or_buyers_chat(world):
    ids, a = _shop_a(world)
    intruder = world.agent(world.shop("乙店"), role="admin")
    with intruder.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        for frame in ({"type": "message", "conversation_id": ids["conversation_id"], "text": "越权",
                       "client_msg_id": "x-1"},
                      {"type": "read", "conversation_id": ids["conversation_id"], "seq": 1},
                      {"type": "typing", "conversation_id": ids["conversation_id"]},
                      {"type": "watch", "conversation_id": ids["conversation_id"]}):
            ws.send_json(frame)
        err = until(ws, lambda f: f["type"] == "error")
        assert err["code"] == "conversation_not_found"
        a["buyer"].send("还在吗")
        ws.send_json({"type": "ping"})
        seen = until(ws, lambda f: f["type"] == "pong" or (f["type"] == "event" and "还在吗" in str(f)))
        assert seen["type"] == "pong"  # the watch did not let another shop's chat in
    other = world.buyer(a["shop"])
    with other.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        ws.send_json({"type": "read", "conversation_id": ids["conversation_id"], "seq": 1})
        ws.send_json({"type": "typing", "conversation_id": ids["conversation_id"]})
        assert until(ws, lambda f: f["type"] == "error")["code"] in ("conversation_not_found", "not_your_conversation")
    chat = a["buyer"].get(f"/api/widget/conversations/{ids['conversation_id']}").json()
    texts = [m["text"] for m in chat["messages"]]
    assert "越权" not in texts
