"""A chat a colleague serves is theirs: a plain agent may add private notes to it but not answer the buyer or
close it, over REST and WebSocket alike; seniors, supervisors and admins may step in."""

from __future__ import annotations

import pytest

from tests.conversations.test_realtime import until


@pytest.fixture
def served(world):
    shop = world.shop()
    owner = world.agent(shop, name="小李")
    buyer = world.buyer(shop)
    conv_id = buyer.send("我的快递三天没动了").json()["conversation_id"]
    assert owner.post(f"/api/conversations/{conv_id}/take").status_code == 200
    return shop, owner, buyer, conv_id


def buyer_lines(buyer, conv_id) -> list[str]:
    return [m["text"] for m in buyer.get(f"/api/widget/conversations/{conv_id}").json()["messages"]]


def test_a_colleague_may_note_but_not_answer_or_close(world, served):
    shop, owner, buyer, conv_id = served
    colleague = world.agent(shop, name="阿杰")
    r = colleague.post(f"/api/conversations/{conv_id}/messages", {"text": "我来回答您"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_chat"
    assert "转接" in r.json()["error"]["zh"] and "transfer" in r.json()["error"]["en"]
    note = colleague.post(f"/api/conversations/{conv_id}/messages", {"text": "这单仓库昨天漏发了", "private": True})
    assert note.status_code == 201
    assert colleague.post(f"/api/conversations/{conv_id}/close").status_code == 403
    conv = owner.get(f"/api/conversations/{conv_id}").json()
    assert conv["conversation"]["status"] == "assigned" and conv["conversation"]["assignee_id"] == owner.id
    assert "我来回答您" not in buyer_lines(buyer, conv_id)
    assert "这单仓库昨天漏发了" not in buyer_lines(buyer, conv_id)  # the note stays among staff
    assert "这单仓库昨天漏发了" in [m["text"] for m in conv["messages"]]


@pytest.mark.parametrize("role", ["senior", "supervisor", "admin"])
def test_seniors_and_supervisors_may_step_in(world, served, role):
    shop, _owner, buyer, conv_id = served
    boss = world.agent(shop, role=role)
    assert boss.post(f"/api/conversations/{conv_id}/messages", {"text": "您好，我是组长，我来跟进"}).status_code == 201
    assert "您好，我是组长，我来跟进" in buyer_lines(buyer, conv_id)
    assert boss.post(f"/api/conversations/{conv_id}/close").status_code == 200


def test_the_same_rule_over_the_socket(world, served):
    shop, _owner, buyer, conv_id = served
    colleague = world.agent(shop)
    with colleague.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        ws.send_json({"type": "message", "conversation_id": conv_id, "text": "我来", "client_msg_id": "c-1"})
        err = until(ws, lambda f: f["type"] == "error")
        assert err["code"] == "not_your_chat" and err["ref"] == "c-1"
        ws.send_json({"type": "message", "conversation_id": conv_id, "text": "内部：已查物流", "private": True,
                      "client_msg_id": "c-2"})
        assert until(ws, lambda f: f["type"] == "ack")["client_msg_id"] == "c-2"  # the socket stays usable
    assert "我来" not in buyer_lines(buyer, conv_id)


def test_the_owner_and_a_waiting_chat_are_unaffected(world, served):
    shop, owner, _buyer, conv_id = served
    assert owner.post(f"/api/conversations/{conv_id}/messages", {"text": "您好，我查一下"}).status_code == 201
    other_buyer = world.buyer(shop)
    waiting = other_buyer.send("在吗").json()["conversation_id"]
    colleague = world.agent(shop)
    assert colleague.post(f"/api/conversations/{waiting}/messages", {"text": "在的"}).status_code == 201
