"""Bodies are capped before anything reads them, and text with a lone UTF-16 surrogate is stored as valid text
instead of failing (issue #14 points 4 and 6)."""

from __future__ import annotations

import asyncio
import json

from kefu.core.limits import DEFAULT_LIMIT, BodyGuard, limit_for
from tests.conversations.test_realtime import until


def test_an_announced_oversize_body_is_refused_unread():
    calls = {"receive": 0, "app": 0}
    sent: list[dict] = []

    async def app(scope, receive, send):
        calls["app"] += 1

    async def receive():
        calls["receive"] += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/widget/messages",
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"52428800")]}
    asyncio.run(BodyGuard(app)(scope, receive, send))
    assert calls == {"receive": 0, "app": 0}  # neither read nor handed on
    assert sent[0]["status"] == 413
    body = json.loads(sent[1]["body"])["error"]
    assert body["code"] == "body_too_large" and "256 KB" in body["zh"] and "256 KB" in body["en"]


def test_json_over_the_cap_is_413_and_nothing_is_stored(world):
    shop = world.shop()
    buyer = world.buyer(shop)
    r = buyer.post("/api/widget/messages", {"text": "你好", "padding": "x" * (10 * 1024 * 1024)})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert buyer.get("/api/widget/conversation").json().get("messages", []) == []


def test_a_chunked_upload_is_cut_off_at_its_cap(world):
    shop = world.shop()
    admin = world.agent(shop, role="admin")
    cap = limit_for("/api/kb/import")

    def chunks():
        for _ in range(cap // (1024 * 1024) + 2):
            yield b"a" * (1024 * 1024)

    boundary = "kefuboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()

    def body():
        yield head
        yield from chunks()
        yield f"\r\n--{boundary}--\r\n".encode()

    r = admin.client.post("/api/kb/import", content=body(),
                          headers={**admin.headers(), "content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


def test_small_bodies_and_uploads_pass():
    assert limit_for("/api/widget/messages") == DEFAULT_LIMIT
    assert limit_for("/api/widget/attachments") is None  # kefu.attachments caps it, in its own words


def test_a_lone_surrogate_is_stored_as_a_replacement_character(world):
    shop = world.shop()
    buyer = world.buyer(shop)
    raw = '{"text": "\\u6211\\u7684\\u5feb\\u9012 \\ud800 \\ud83d\\ude00 \\udfff"}'  # 我的快递, lone, 😀, lone
    r = buyer.client.post("/api/widget/messages", content=raw.encode(),
                          headers={**buyer.headers(), "content-type": "application/json"})
    assert r.status_code == 201, r.text
    conv_id = r.json()["conversation_id"]
    texts = [m["text"] for m in buyer.get(f"/api/widget/conversations/{conv_id}").json()["messages"]]
    assert "我的快递 \ufffd 😀 \ufffd" in texts
    with buyer.ws() as ws:
        until(ws, lambda f: f["type"] == "ready")
        ws.send_text('{"type": "message", "client_msg_id": "s-1", "text": "\\ud800\\u8fd8\\u5728\\u5417"}')
        assert until(ws, lambda f: f["type"] == "ack")["client_msg_id"] == "s-1"
    texts = [m["text"] for m in buyer.get(f"/api/widget/conversations/{conv_id}").json()["messages"]]
    assert "\ufffd还在吗" in texts


def test_nul_characters_never_reach_the_database(world, client):
    """PostgreSQL stores no NUL in text (the fuzzer's 500s): dropped from JSON text, refused in addresses and forms."""
    shop = world.shop()
    buyer = world.buyer(shop)
    r = buyer.client.post("/api/widget/messages", content='{"text": "快递\\u0000到了吗"}'.encode(),
                          headers={**buyer.headers(), "content-type": "application/json"})
    assert r.status_code == 201, r.text
    chat = buyer.get(f"/api/widget/conversations/{r.json()['conversation_id']}").json()
    texts = [m["text"] for m in chat["messages"]]
    assert "快递到了吗" in texts
    looked = client.get("/api/widget/tickets/lookup?number=T1%00&last4=1234")
    assert looked.status_code == 422 and looked.json()["error"]["code"] == "nul_in_url"
    form = client.post("/agent/login", content=b"username=a%00b&password=x&csrf_token=y",
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 422 and form.json()["error"]["code"] == "nul_in_form"
