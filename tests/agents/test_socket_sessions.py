"""An agent's socket lives only as long as the login that opened it: logging out closes that login's sockets
(not another browser's), a disabled account or a changed role closes all of them, and a socket whose login
expired is closed at its next frame — before the frame does anything."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.conftest import PASSWORD
from tests.conversations.test_realtime import is_event, until


def ready(ws) -> None:
    until(ws, lambda f: f["type"] == "ready")


def closed(ws) -> WebSocketDisconnect:
    with pytest.raises(WebSocketDisconnect) as e:
        until(ws, lambda f: False)
    return e.value


def alive(ws) -> bool:
    ws.send_json({"type": "ping"})
    return until(ws, lambda f: f["type"] == "pong")["type"] == "pong"


def test_logout_closes_that_logins_sockets_only(world):
    shop = world.shop()
    office = world.agent(shop)
    laptop = world.login(office.info["username"])  # the same agent, logged in from a second browser
    buyer = world.buyer(shop)
    conv_id = buyer.send("在吗").json()["conversation_id"]
    with office.ws() as ws_office, laptop.ws() as ws_laptop:
        ready(ws_office)
        ready(ws_laptop)
        assert office.post("/api/auth/logout").status_code == 200
        end = closed(ws_office)
        assert end.code == 1008 and end.reason == "logged out"
        assert alive(ws_laptop)  # the other browser's login still works
        buyer.send("还在吗")
        assert until(ws_laptop, is_event("message.created"))["event"]["conversation_id"] == conv_id
    with pytest.raises(WebSocketDisconnect) as refused, office.ws():  # the logged-out cookie opens no new one
        pass
    assert refused.value.code == 1008


def test_disabling_an_account_closes_its_sockets_and_logins(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    agent = world.agent(shop)
    with agent.ws() as ws:
        ready(ws)
        r = admin.patch(f"/api/agents/{agent.id}", {"active": False})
        assert r.status_code == 200 and r.json()["agent"]["active"] is False
        end = closed(ws)
        assert end.code == 1008 and end.reason == "account disabled"
    assert agent.get("/api/me").status_code == 401
    assert world.client.post("/api/auth/login", json={"username": agent.info["username"],
                                                      "password": PASSWORD}).status_code == 401
    world.client.cookies.clear()
    assert admin.patch(f"/api/agents/{agent.id}", {"active": True}).status_code == 200
    assert world.login(agent.info["username"]).get("/api/me").status_code == 200


def test_a_role_change_reconnects_with_the_new_rights(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    sup = world.agent(shop, role="supervisor")
    with sup.ws() as ws:
        ready(ws)
        assert admin.patch(f"/api/agents/{sup.id}", {"role": "agent"}).status_code == 200
        assert closed(ws).reason == "role changed"
    assert sup.get("/api/me").json()["agent"]["role"] == "agent"
    assert sup.get("/api/tickets/board").status_code == 403  # a supervisor's view is gone
    with sup.ws() as ws:  # the login itself still holds
        ready(ws)
        assert alive(ws)


def test_only_the_shops_admin_changes_roles_and_never_their_own(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    agent = world.agent(shop)
    stranger = world.agent(world.shop(), role="admin")
    assert agent.patch(f"/api/agents/{admin.id}", {"active": False}).status_code == 403
    assert stranger.patch(f"/api/agents/{agent.id}", {"active": False}).status_code == 404
    own = admin.patch(f"/api/agents/{admin.id}", {"role": "agent"})
    assert own.status_code == 409 and own.json()["error"]["code"] == "self_change"
    assert admin.patch(f"/api/agents/{agent.id}", {"role": "boss"}).status_code == 422
    assert agent.get("/api/me").json()["agent"]["role"] == "agent"


def test_an_expired_login_ends_the_socket_at_its_next_frame(world, frozen):
    shop = world.shop()
    agent = world.agent(shop)
    buyer = world.buyer(shop)
    conv_id = buyer.send("在吗").json()["conversation_id"]
    agent.post(f"/api/conversations/{conv_id}/take")
    with agent.ws() as ws:
        ready(ws)
        assert alive(ws)
        frozen.advance(hours=13)  # logins last 12 hours
        ws.send_json({"type": "message", "conversation_id": conv_id, "text": "过期后发的", "client_msg_id": "late-1"})
        end = closed(ws)
        assert end.code == 1008 and end.reason == "session expired"
    texts = [m["text"] for m in buyer.get(f"/api/widget/conversations/{conv_id}").json()["messages"]]
    assert "过期后发的" not in texts
