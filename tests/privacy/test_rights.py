"""A buyer's rights under the PIPL, answered by the shop admin: a copy of their data (JSON) and erasure — both
audited, the erasure leaving the shop's numbers as they were."""

from __future__ import annotations

import json

from sqlalchemy import select

from kefu.core.clock import now
from kefu.tickets.models import Ticket
from tests.audit.helpers import one
from tests.privacy.helpers import LINE, PHONE, Desk


def test_the_admin_finds_the_buyer_by_phone_name_or_number(world):
    desk = Desk(world)
    b = desk.buyer()
    for q in (PHONE, f"#{b.customer_id}", b.session["customer"]["display_name"]):
        found = desk.admin.get("/api/admin/buyers", params={"q": q}).json()["buyers"]
        assert [x["id"] for x in found] == [b.customer_id], q
        assert found[0]["phone"] == "138****5678" and found[0]["conversations"] == 1
    assert desk.agent.get(f"/api/admin/buyers?q={PHONE}").status_code == 403
    assert Desk(world).admin.get("/api/admin/buyers", params={"q": f"#{b.customer_id}"}).json()["buyers"] == []


def test_the_export_is_the_buyers_own_words_whole_and_is_audited(world):
    desk = Desk(world)
    b = desk.buyer()
    desk.agent.post(f"/api/conversations/{b.conv}/take")
    desk.agent.post(f"/api/conversations/{b.conv}/messages", {"text": "内部备注：老客户", "private": True})
    r = desk.admin.get(f"/api/admin/buyers/{b.customer_id}/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    doc = json.loads(r.content)
    assert doc["format"] == "kefu.buyer-export/1" and doc["buyer"]["phone"] == PHONE
    lines = [m["text"] for c in doc["conversations"] for m in c["messages"]]
    assert LINE in lines and "内部备注：老客户" not in lines  # colleagues' private notes are not the buyer's data
    entry = one(world, desk.shop.id, "buyer.exported")
    assert entry.agent_id == desk.admin.id and entry.target == f"customer:{b.customer_id}"
    assert desk.agent.get(f"/api/admin/buyers/{b.customer_id}/export").status_code == 403


def _week() -> str:
    year, week, _ = now().isocalendar()
    return f"{year}-W{week:02d}"


def _numbers(report: dict) -> dict:
    """The weekly review without the time it was made and the tickets' titles: the shop's numbers."""
    out = {k: v for k, v in report.items() if k != "week"}
    for item in out["time"]["stalled"]:
        item.pop("title")
    assert out["volume"]["created"] == 1, out["volume"]  # the buyer's ticket counts
    return out


def _ticket_of(desk, b) -> dict:
    r = desk.agent.post("/api/tickets", {"kind": "投诉", "title": f"投诉：{PHONE} 快递未到",
                                         "problem": LINE, "demand": "尽快送达", "conversation_id": b.conv})
    assert r.status_code == 201, r.text
    return r.json()["ticket"]


def test_erasure_waits_for_an_open_chat_then_forgets_the_buyer_and_keeps_the_numbers(world, frozen):
    desk = Desk(world)
    b = desk.buyer()
    ticket = _ticket_of(desk, b)
    refused = desk.admin.post(f"/api/admin/buyers/{b.customer_id}/erase", {"reason": "买家电话要求删除"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "buyer_has_open_chat"
    desk.serve_and_close(b)
    count = desk.count_messages()
    frozen.advance(seconds=1)  # the review counts what happened before "now"; the clock then stands still
    report = _numbers(desk.admin.get(f"/api/analytics/weekly?week={_week()}").json())
    assert desk.admin.post(f"/api/admin/buyers/{b.customer_id}/erase", {"reason": ""}).status_code == 422
    done = desk.admin.post(f"/api/admin/buyers/{b.customer_id}/erase", {"reason": "买家12月7日来电要求删除"})
    assert done.status_code == 200, done.text
    assert (done.json()["conversations"], done.json()["tickets"]) == (1, 1)
    entry = one(world, desk.shop.id, "buyer.erased")
    assert entry.agent_id == desk.admin.id and entry.detail["reason"] == "买家12月7日来电要求删除"

    conv, msgs = desk.rows(b.conv)
    assert all(m.text == "" for m in msgs) and desk.count_messages() == count  # the lines stay, words gone
    after = _numbers(desk.admin.get(f"/api/analytics/weekly?week={_week()}").json())
    assert after == report  # the weekly review reads the same
    assert conv.first_response_at is not None and conv.status == "closed"
    chat = desk.agent.get(f"/api/conversations/{b.conv}").json()
    assert PHONE not in str(chat) and "文三路" not in str(chat) and chat["customer"]["display_name"] == "已删除的买家"
    assert desk.admin.get(f"/api/admin/buyers?q={PHONE}").json()["buyers"] == []

    async def stored_ticket():
        async with world.db.transaction() as s:
            return await s.scalar(select(Ticket).where(Ticket.number == ticket["number"],
                                                       Ticket.shop_id == desk.shop.id))

    t = world.run(stored_ticket)
    assert PHONE not in t.title and t.problem == "" and t.kind == "投诉" and t.status == ticket["status"]
    assert b.get("/api/widget/conversation").status_code == 403  # the old visitor token names nobody now
    again = world.buyer(desk.shop, token=b.token)
    assert again.session["customer"]["id"] != b.customer_id and again.session["messages"] == []
    assert PHONE not in json.dumps(desk.admin.get(f"/api/admin/buyers/{b.customer_id}/export").json())


def test_erasure_of_another_shops_buyer_or_by_an_agent_is_refused(world):
    desk, other = Desk(world), Desk(world)
    b = desk.buyer()
    desk.serve_and_close(b)
    assert other.admin.post(f"/api/admin/buyers/{b.customer_id}/erase", {"reason": "x"}).status_code == 404
    assert desk.agent.post(f"/api/admin/buyers/{b.customer_id}/erase", {"reason": "x"}).status_code == 403
    assert PHONE in desk.rows(b.conv)[1][0].text
