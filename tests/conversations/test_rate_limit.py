"""A buyer can send at most 20 messages at once, then 2 a second, over the socket and HTTP together (issue #14
point 6: one script stored 1,000 in 9 s): the rest get a clear error frame, are not stored, and the socket stays
usable; a person typing never meets the limit."""

from __future__ import annotations

from tests.conversations.test_realtime import until


def test_a_flooding_buyer_is_told_to_slow_down_and_nothing_extra_is_stored(world, frozen):
    shop = world.shop()
    buyer = world.buyer(shop)
    with buyer.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        for i in range(25):
            ws.send_json({"type": "message", "text": f"第{i}条", "client_msg_id": f"f-{i}"})
        answers = [until(ws, lambda f: f["type"] in ("ack", "error")) for _ in range(25)]
        acked = [a["client_msg_id"] for a in answers if a["type"] == "ack"]
        refused = [a for a in answers if a["type"] == "error"]
        assert acked == [f"f-{i}" for i in range(20)] and len(refused) == 5
        assert refused[0]["code"] == "too_fast" and refused[0]["ref"] == "f-20"
        assert "太快" in refused[0]["zh"] and "too fast" in refused[0]["en"] and refused[0]["retry_after"] == 1
        over_http = buyer.send("再发一条")  # the same allowance
        assert over_http.status_code == 429 and over_http.json()["error"]["code"] == "too_fast"
        frozen.advance(seconds=2)  # four more allowed by now
        ws.send_json({"type": "message", "text": "慢下来了", "client_msg_id": "slow-1"})
        assert until(ws, lambda f: f["type"] in ("ack", "error"))["type"] == "ack"
    conv = buyer.get("/api/widget/conversation").json()
    texts = [m["text"] for m in conv["messages"] if m["sender"] == "buyer"]
    assert texts == [f"第{i}条" for i in range(20)] + ["慢下来了"]


def test_someone_typing_never_meets_the_limit(world, frozen):
    buyer = world.buyer(world.shop())
    for i in range(40):  # a line every two seconds, for over a minute
        assert buyer.send(f"问题{i}").status_code == 201
        frozen.advance(seconds=2)
