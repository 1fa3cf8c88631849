"""Tenancy, buyer isolation and bad input: clear 4xx, never a 500, nothing accepted is lost."""

from __future__ import annotations

import pytest


def test_agent_of_shop_a_cannot_read_or_touch_shop_b(world):
    shop_a, shop_b = world.shop(), world.shop()
    agent_a = world.agent(shop_a)
    conv_b = world.buyer(shop_b).send("B 店买家").json()["conversation_id"]
    assert agent_a.get(f"/api/conversations/{conv_b}").status_code == 404
    assert agent_a.post(f"/api/conversations/{conv_b}/messages", {"text": "偷看"}).status_code == 404
    assert agent_a.post(f"/api/conversations/{conv_b}/take").status_code == 404
    assert conv_b not in [c["id"] for c in agent_a.get("/api/conversations?status=open").json()["conversations"]]
    assert all(e["shop_id"] == shop_a.id for e in agent_a.get("/api/events").json()["events"])


def test_forged_token_is_403(world, client):
    shop = world.shop()
    buyer = world.buyer(shop)
    forged = buyer.token[:-6] + ("AAAAAA" if not buyer.token.endswith("AAAAAA") else "BBBBBB")
    r = client.get("/api/widget/conversation", headers={"x-visitor-token": forged})
    assert r.status_code == 403 and r.json()["error"]["code"] == "visitor_token_invalid"
    assert client.get("/api/widget/conversation").status_code == 403
    r = client.post("/api/widget/messages", json={"text": "hi"}, headers={"x-visitor-token": "garbage"})
    assert r.status_code == 403


def test_other_buyers_token_cannot_read_my_conversation(world):
    shop = world.shop()
    me, other = world.buyer(shop), world.buyer(shop)
    conv_id = me.send("我的订单号 123").json()["conversation_id"]
    r = other.get(f"/api/widget/conversations/{conv_id}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_conversation"
    assert other.post(f"/api/widget/conversations/{conv_id}/read", {"seq": 1}).status_code == 403
    assert me.get(f"/api/widget/conversations/{conv_id}").status_code == 200


def test_token_of_another_shop_is_403_there(world, client):
    shop_a, shop_b = world.shop(), world.shop()
    buyer_a = world.buyer(shop_a)
    conv_b = world.buyer(shop_b).send("hello").json()["conversation_id"]
    assert buyer_a.get(f"/api/widget/conversations/{conv_b}").status_code in (403, 404)
    # resuming with a token from shop A on shop B's widget starts a fresh visitor instead
    fresh = client.post(f"/api/widget/{shop_b.slug}/session", json={"token": buyer_a.token}).json()
    assert fresh["token"] != buyer_a.token and fresh["messages"] == []


def test_session_resume_keeps_history(world):
    shop = world.shop()
    buyer = world.buyer(shop)
    buyer.send("第一句")
    again = world.buyer(shop, token=buyer.token)
    assert again.token == buyer.token
    assert [m["text"] for m in again.session["messages"]] == ["第一句"]


@pytest.mark.parametrize("text,status,code", [
    ("", 422, "message_empty"),
    ("   \n\t ", 422, "message_empty"),
    ("\x00\x01\x02", 422, "message_empty"),
    ("字" * 5001, 413, "message_too_long"),
])
def test_bad_message_text_is_a_clear_4xx(world, text, status, code):
    shop = world.shop()
    buyer = world.buyer(shop)
    agent = world.agent(shop)
    r = buyer.send(text)
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert r.json()["error"]["zh"] and r.json()["error"]["en"]
    conv_id = buyer.send("正常的一句").json()["conversation_id"]
    r = agent.post(f"/api/conversations/{conv_id}/messages", {"text": text})
    assert r.status_code == status
    assert [m["text"] for m in buyer.get("/api/widget/conversation").json()["messages"]] == ["正常的一句"]


def test_exactly_5000_characters_is_accepted(world):
    buyer = world.buyer(world.shop())
    r = buyer.send("好" * 5000)
    assert r.status_code == 201 and len(r.json()["message"]["text"]) == 5000


@pytest.mark.parametrize("body", [{}, {"text": 123}, {"text": None}, {"text": "hi", "client_msg_id": "x" * 65},
                                  {"text": ["a"]}])
def test_malformed_bodies_are_422_not_500(world, body):
    buyer = world.buyer(world.shop())
    r = buyer.post("/api/widget/messages", body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["zh"] and r.json()["error"]["en"]


def test_non_json_body_and_unknown_ids(world, client):
    shop = world.shop()
    buyer = world.buyer(shop)
    agent = world.agent(shop)
    r = client.post("/api/widget/messages", content=b"\xff\xfe not json",
                    headers={**buyer.headers(), "content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"]["zh"] and r.json()["error"]["en"]
    assert agent.get("/api/conversations/999999999").status_code == 404
    assert agent.get("/api/conversations/not-a-number").status_code == 422
    assert agent.get("/api/conversations?status=bogus").status_code == 422
    assert client.post("/api/widget/no-such-shop/session", json={}).status_code == 404


def test_another_agent_cannot_take_an_assigned_conversation(world):
    shop = world.shop()
    first, second = world.agent(shop), world.agent(shop, name="小张")
    conv_id = world.buyer(shop).send("在吗").json()["conversation_id"]
    assert first.post(f"/api/conversations/{conv_id}/take").status_code == 200
    r = second.post(f"/api/conversations/{conv_id}/take")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_assigned"


def test_supervisor_reassigns(world):
    shop = world.shop()
    sup = world.agent(shop, role="supervisor")
    first, second = world.agent(shop), world.agent(shop, name="小张")
    conv_id = world.buyer(shop).send("在吗").json()["conversation_id"]
    first.post(f"/api/conversations/{conv_id}/take")
    r = sup.post(f"/api/conversations/{conv_id}/assign", {"agent_id": second.id})
    assert r.status_code == 200 and r.json()["conversation"]["assignee_name"] == "小张"
    other_shop_agent = world.agent(world.shop())
    assert sup.post(f"/api/conversations/{conv_id}/assign", {"agent_id": other_shop_agent.id}).status_code == 404
    loads = {a["id"]: a["load"] for a in sup.get("/api/supervisor/overview").json()["agents"]}
    assert loads[second.id] == 1 and loads[first.id] == 0


def test_widget_language_is_zh_or_en_anything_else_is_a_clear_422(world):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    r = buyer.send("Hello", lang="fr")
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_lang" and "zh or en" in r.json()["error"]["en"]
    assert buyer.get("/api/widget/conversation").json()["conversation"] is None  # nothing stored
    conv_id = buyer.send("Hello", lang="en").json()["conversation_id"]
    assert agent.get(f"/api/conversations/{conv_id}").json()["conversation"]["lang"] == "en"
    plain = world.buyer(shop).send("你好").json()["conversation_id"]  # older widgets send no language
    assert agent.get(f"/api/conversations/{plain}").json()["conversation"]["lang"] == "zh"


def test_widget_socket_answers_a_bad_language_with_an_error_frame_and_stays_open(world):
    from tests.conversations.test_realtime import until

    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    with buyer.ws() as bws:
        until(bws, lambda f: f["type"] == "ready")
        bws.send_json({"type": "message", "text": "Hello", "client_msg_id": "l-1", "lang": "de"})
        err = until(bws, lambda f: f["type"] == "error")
        assert (err["code"], err["ref"], err["status"]) == ("bad_lang", "l-1", 422)
        bws.send_json({"type": "message", "text": "Hello", "client_msg_id": "l-2", "lang": "en"})
        ack = until(bws, lambda f: f["type"] == "ack")
    assert agent.get(f"/api/conversations/{ack['conversation_id']}").json()["conversation"]["lang"] == "en"
