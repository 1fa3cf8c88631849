"""WebSockets: persisted-then-acked messages, live fan-out, typing, read receipts, resync, bad frames."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect


def until(ws, pred, limit: int = 50) -> dict:
    """Read frames until one matches; fail loudly instead of hanging forever."""
    for _ in range(limit):
        frame = ws.receive_json()
        if pred(frame):
            return frame
    raise AssertionError("expected frame never arrived")


def is_event(kind: str):
    return lambda f: f["type"] == "event" and f["event"]["type"] == kind


def test_buyer_socket_message_is_acked_with_seq_and_reaches_agent_socket(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    with agent.ws() as aws, buyer.ws() as bws:
        until(aws, lambda f: f["type"] == "ready")
        until(bws, lambda f: f["type"] == "ready")
        bws.send_json({"type": "message", "text": "你好，我的快递三天没动了", "client_msg_id": "w-1"})
        ack = until(bws, lambda f: f["type"] == "ack")
        assert ack["client_msg_id"] == "w-1" and ack["message"]["seq"] == 1 and ack["duplicate"] is False
        # acknowledged means stored: it is readable through the API right away
        assert buyer.get("/api/widget/conversation").json()["messages"][0]["text"] == "你好，我的快递三天没动了"
        ev = until(aws, is_event("message.created"))["event"]
        assert ev["data"]["message"]["text"] == "你好，我的快递三天没动了"
        conv_id = ack["conversation_id"]

        aws.send_json({"type": "typing", "conversation_id": conv_id})
        typing = until(bws, is_event("typing"))["event"]
        assert typing["data"]["who"] == "agent"

        aws.send_json({"type": "message", "conversation_id": conv_id, "text": "您好，我来帮您查",
                       "client_msg_id": "a-1"})
        assert until(aws, lambda f: f["type"] == "ack")["message"]["seq"] == 2
        reply = until(bws, is_event("message.created"))["event"]["data"]["message"]
        assert (reply["sender"], reply["text"], reply["agent_name"]) == ("agent", "您好，我来帮您查", "小李")

        bws.send_json({"type": "read", "conversation_id": conv_id, "seq": 2})
        read = until(aws, is_event("conversation.read"))["event"]["data"]
        assert read["reader"] == "buyer" and read["seq"] == 2


def test_private_note_never_reaches_buyer_socket(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("发票怎么开").json()["conversation_id"]
    with buyer.ws() as bws:
        until(bws, lambda f: f["type"] == "ready")
        agent.post(f"/api/conversations/{conv_id}/messages", {"text": "内部：先核对订单", "private": True})
        agent.post(f"/api/conversations/{conv_id}/messages", {"text": "您好，可以开电子发票"})
        msg = until(bws, is_event("message.created"))["event"]["data"]["message"]
        assert msg["text"] == "您好，可以开电子发票"


def test_reconnect_with_last_event_id_receives_what_was_missed(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("第一条").json()["conversation_id"]
    with buyer.ws() as bws:
        last = until(bws, lambda f: f["type"] == "ready")["last_event_id"]
    # while the buyer is offline, the agent answers twice
    agent.post(f"/api/conversations/{conv_id}/messages", {"text": "回复一"})
    agent.post(f"/api/conversations/{conv_id}/messages", {"text": "回复二"})
    with buyer.ws(last_event_id=last) as bws:
        texts = []
        while True:
            frame = bws.receive_json()
            if frame["type"] == "ready":
                break
            if frame["event"]["type"] == "message.created":
                texts.append(frame["event"]["data"]["message"]["text"])
        assert texts == ["回复一", "回复二"]
        assert frame["last_event_id"] > last


def test_events_of_other_buyers_are_not_delivered(world):
    shop = world.shop()
    mine, other = world.buyer(shop), world.buyer(shop)
    with mine.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        other.send("别人的消息")
        mine.send("我的消息")
        ev = until(ws, is_event("message.created"))["event"]
        assert ev["data"]["message"]["text"] == "我的消息"


def test_empty_and_oversized_messages_get_error_frames_and_socket_stays_open(world):
    shop = world.shop()
    buyer = world.buyer(shop)
    with buyer.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        ws.send_json({"type": "message", "text": "   ", "client_msg_id": "e1"})
        err = until(ws, lambda f: f["type"] == "error")
        assert err["code"] == "message_empty" and err["zh"] and err["en"] and err["ref"] == "e1"
        ws.send_json({"type": "message", "text": "长" * 5001, "client_msg_id": "e2"})
        err = until(ws, lambda f: f["type"] == "error")
        assert err["code"] == "message_too_long" and err["status"] == 413
        ws.send_json({"type": "message", "text": "好的", "client_msg_id": "ok"})
        assert until(ws, lambda f: f["type"] == "ack")["client_msg_id"] == "ok"


@pytest.mark.parametrize("frame", [
    "not json at all",
    "[1, 2, 3]",
    json.dumps({"type": "launch_missiles"}),
    json.dumps({"no_type": True}),
    json.dumps({"type": "read", "conversation_id": "abc", "seq": 1}),
])
def test_malformed_frame_closes_only_that_socket(world, frame):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("在吗").json()["conversation_id"]
    with agent.ws() as good, agent.ws() as bad:
        until(good, lambda f: f["type"] == "ready")
        until(bad, lambda f: f["type"] == "ready")
        bad.send_text(frame)
        with pytest.raises(WebSocketDisconnect) as closed:
            until(bad, lambda f: False)
        assert closed.value.code in (1003, 1008) and closed.value.reason
        buyer.send("还在吗")
        ev = until(good, is_event("message.created"))["event"]
        assert ev["data"]["message"]["text"] == "还在吗" and ev["conversation_id"] == conv_id


def test_binary_frame_closes_with_reason(world):
    shop = world.shop()
    buyer = world.buyer(shop)
    with buyer.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        ws.send_bytes(b"\x00\x01")
        with pytest.raises(WebSocketDisconnect) as closed:
            until(ws, lambda f: False)
        assert closed.value.code == 1003


def test_socket_with_forged_token_or_no_session_is_refused(world, client):
    shop = world.shop()
    buyer = world.buyer(shop)
    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect(f"/ws/buyer?token={buyer.token[:-4]}AAAA") as ws:
        ws.receive_json()
    assert refused.value.code == 1008
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/agent") as ws:
        ws.receive_json()
    assert refused.value.code == 1008


def test_agent_socket_only_sees_own_shop(world):
    shop_a, shop_b = world.shop(), world.shop()
    agent_a = world.agent(shop_a)
    buyer_b, buyer_a = world.buyer(shop_b), world.buyer(shop_a)
    with agent_a.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        buyer_b.send("B 店的消息")
        buyer_a.send("A 店的消息")
        ev = until(ws, is_event("message.created"))["event"]
        assert ev["data"]["message"]["text"] == "A 店的消息"


def test_socket_without_last_event_id_starts_live_not_from_the_beginning(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    buyer.send("很早以前的消息")
    with agent.client.websocket_connect("/ws/agent", headers={"cookie": agent.cookie}) as ws:
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["last_event_id"] > 0
        buyer.send("现在的消息")
        ev = until(ws, is_event("message.created"))["event"]
        assert ev["data"]["message"]["text"] == "现在的消息"


def test_reply_marks_the_conversation_read(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("一").json()["conversation_id"]
    buyer.send("二")
    conv = agent.post(f"/api/conversations/{conv_id}/messages", {"text": "您好"}).json()["conversation"]
    assert conv["agent_unread"] == 0 and conv["agent_read_seq"] == 3
