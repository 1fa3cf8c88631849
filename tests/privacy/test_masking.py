"""Staff see a buyer's phone, ID number and address masked — in the chat, the list, the profile, the order and
every socket event — until they reveal one, and every reveal is in the audit log. The buyer sees their own words."""

from __future__ import annotations

from tests.audit.helpers import entries, one
from tests.orders.helpers import order
from tests.privacy.helpers import ADDRESS, LINE, PHONE, Desk


def _texts(payload: dict) -> list[str]:
    return [m["text"] for m in payload["messages"]]


def test_the_agent_sees_the_line_masked_and_the_buyer_sees_it_whole(world):
    desk = Desk(world)
    b = desk.buyer()
    chat = desk.agent.get(f"/api/conversations/{b.conv}").json()
    line = chat["messages"][0]
    assert line["masked"] is True and "138****5678" in line["text"] and "[地址]" in line["text"]
    assert PHONE not in str(chat) and "文三路" not in str(chat)  # nor in the analysis, preview or profile
    assert chat["customer"]["phone"] == "138****5678"
    listed = desk.agent.get("/api/conversations").json()["conversations"]
    assert PHONE not in str(listed) and any("138****5678" in c["last_preview"] for c in listed)
    assert b.get("/api/widget/conversation").json()["messages"][0]["text"] == LINE


def test_a_reveal_shows_the_words_and_is_audited_with_who_and_which_line(world):
    desk = Desk(world)
    b = desk.buyer()
    line = desk.agent.get(f"/api/conversations/{b.conv}").json()["messages"][0]
    r = desk.agent.post(f"/api/conversations/{b.conv}/messages/{line['id']}/reveal")
    assert r.status_code == 200 and r.json()["text"] == LINE
    entry = one(world, desk.shop.id, "pii.revealed")
    assert entry.agent_id == desk.agent.id and entry.target == f"conversation:{b.conv}"
    assert entry.detail == {"field": "message", "message_id": line["id"], "seq": line["seq"]}
    assert PHONE not in str(entry.detail)


def test_a_reveal_outside_the_shop_or_the_chat_is_refused_and_not_audited(world):
    desk, other = Desk(world), Desk(world)
    b, stranger = desk.buyer(), other.buyer()
    line = desk.agent.get(f"/api/conversations/{b.conv}").json()["messages"][0]
    assert other.agent.post(f"/api/conversations/{b.conv}/messages/{line['id']}/reveal").status_code == 404
    assert desk.agent.post(f"/api/conversations/{stranger.conv}/messages/{line['id']}/reveal").status_code == 404
    assert other.agent.post(f"/api/customers/{b.customer_id}/reveal").status_code == 404
    assert b.post(f"/api/conversations/{b.conv}/messages/{line['id']}/reveal").status_code == 401
    assert entries(world, desk.shop.id, "pii.revealed") == [] and entries(world, other.shop.id, "pii.revealed") == []


def test_the_profile_phone_is_revealed_on_request_and_audited(world):
    desk = Desk(world)
    b = desk.buyer()
    r = desk.agent.post(f"/api/customers/{b.customer_id}/reveal")
    assert r.status_code == 200 and r.json()["phone"] == PHONE
    assert one(world, desk.shop.id, "pii.revealed").target == f"customer:{b.customer_id}"


def test_socket_events_reach_staff_masked_and_the_buyer_whole(world):
    desk = Desk(world)
    supervisor = world.agent(desk.shop, role="supervisor", name="老王")
    b = desk.buyer(text="你好")
    with supervisor.ws() as staff, b.ws() as mine:
        for sock in (staff, mine):
            while sock.receive_json()["type"] != "ready":
                pass
        mine.send_json({"type": "message", "text": f"改个电话 {PHONE}", "client_msg_id": "m2"})

        def line(sock) -> dict:
            while True:
                frame = sock.receive_json()
                if frame["type"] == "event" and frame["event"]["type"] == "message.created":
                    return frame["event"]["data"]["message"]

        staff_line = line(staff)
        assert staff_line["text"] == "改个电话 138****5678" and staff_line["masked"] is True
        assert PHONE not in str(staff_line)
        assert line(mine)["text"] == f"改个电话 {PHONE}"
    resync = desk.agent.get("/api/events?after=0").json()["events"]
    assert PHONE not in str(resync)
    assert any(PHONE in str(ev) for ev in b.get("/api/widget/events?after=0").json()["events"])


def test_an_order_shows_the_receiver_masked_until_revealed_for_an_identified_buyer(world):
    desk = Desk(world)
    b = desk.buyer(text="查一下订单")
    data = order("DD20261207001", buyer_name="王小鱼", buyer_phone=PHONE, address=ADDRESS)
    r = desk.admin.post("/api/admin/orders", {"order": data, "customer_id": b.customer_id})
    assert r.status_code in (200, 201), r.text
    shown = desk.agent.get(f"/api/orders/DD20261207001?conversation_id={b.conv}").json()["order"]
    receiver = (shown["buyer_name"], shown["buyer_phone"], shown["address"])
    assert receiver == ("王**", "138****5678", "浙江省杭州市西湖区****")
    r = desk.agent.post(f"/api/orders/DD20261207001/reveal?conversation_id={b.conv}")
    assert r.status_code == 200 and (r.json()["address"], r.json()["buyer_phone"]) == (ADDRESS, PHONE)
    assert one(world, desk.shop.id, "pii.revealed").target == "order:DD20261207001"
    stranger = desk.buyer(text="在吗", phone=None)  # not the order's buyer, not verified in their chat
    r = desk.agent.post(f"/api/orders/DD20261207001/reveal?conversation_id={stranger.conv}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "order_not_verified"
