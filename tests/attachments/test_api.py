"""Images in chat over the API: upload, send as a message, who may see them, refused uploads, resync."""

from __future__ import annotations

from kefu.attachments import rules
from tests.attachments.conftest import upload_as_agent, upload_as_buyer
from tests.attachments.images import GPS_TAG, opened, photo
from tests.conversations.test_realtime import is_event, until


def test_buyer_photo_reaches_the_agent_as_an_image_message_without_gps(chat):
    _shop, agent, buyer, conv_id = chat
    up = upload_as_buyer(buyer, photo(size=(800, 600), gps=True))
    assert up.status_code == 201, up.text
    att = up.json()["attachment"]
    assert len(att["id"]) >= 32 and not att["id"].isdigit()  # unguessable, not a counter
    assert (att["mime"], att["width"], att["height"]) == ("image/jpeg", 800, 600)
    with buyer.ws() as bws:
        until(bws, lambda f: f["type"] == "ready")
        bws.send_json({"type": "message", "attachment_id": att["id"], "client_msg_id": "img-1"})
        ack = until(bws, lambda f: f["type"] == "ack")
    msg = ack["message"]
    assert msg["text"] == rules.IMAGE_PLACEHOLDER and msg["conversation_id"] == conv_id
    assert msg["attachment"]["id"] == att["id"] and msg["attachment"]["thumb_url"] == att["thumb_url"]
    # the same frame again (a resend after a lost ack) is the same message, not a conflict
    again = buyer.post("/api/widget/messages", {"attachment_id": att["id"], "client_msg_id": "img-1"})
    assert again.status_code == 201 and again.json()["duplicate"] is True

    view = agent.get(f"/api/conversations/{conv_id}").json()
    assert view["conversation"]["last_preview"] == "[图片]"
    shown = view["messages"][-1]
    assert shown["attachment"]["width"] == 800 and shown["analysis"] is None  # NLU leaves pictures alone
    full = agent.get(att["url"])
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert opened(full.content).size == (800, 600) and opened(full.content).getexif().get(GPS_TAG) is None
    thumb = agent.get(att["thumb_url"])
    assert thumb.headers["content-type"] == "image/webp" and opened(thumb.content).size == (320, 240)
    assert buyer.get(att["thumb_url"]).status_code == 200  # the buyer sees their own photo


def test_agent_sends_an_image_back_and_the_buyer_can_open_it(chat):
    _shop, agent, buyer, conv_id = chat
    up = upload_as_agent(agent)
    assert up.status_code == 201, up.text
    att = up.json()["attachment"]
    r = agent.post(f"/api/conversations/{conv_id}/messages", {"attachment_id": att["id"], "text": "这是正确的安装位置"})
    assert r.status_code == 201, r.text
    assert r.json()["message"]["text"] == "这是正确的安装位置"  # words sent with an image are its caption
    snap = buyer.get("/api/widget/conversation").json()
    assert snap["messages"][-1]["attachment"]["id"] == att["id"]
    got = buyer.get(att["url"])
    assert got.status_code == 200 and opened(got.content).format == "PNG"
    # one upload, one message
    assert agent.post(f"/api/conversations/{conv_id}/messages", {"attachment_id": att["id"]}).status_code == 409


def test_an_image_in_a_private_note_stays_with_the_agents(chat):
    _shop, agent, buyer, conv_id = chat
    att = upload_as_agent(agent).json()["attachment"]
    r = agent.post(f"/api/conversations/{conv_id}/messages", {"attachment_id": att["id"], "private": True})
    assert r.status_code == 201
    assert buyer.get(att["url"]).status_code == 404
    assert agent.get(att["url"]).status_code == 200


def test_only_the_conversations_buyer_and_the_shops_agents_see_an_image(chat, world):
    shop, _agent, buyer, _conv_id = chat
    att = upload_as_buyer(buyer).json()["attachment"]
    buyer.post("/api/widget/messages", {"attachment_id": att["id"], "client_msg_id": "img-2"})
    colleague = world.agent(shop, name="小王")
    assert colleague.get(att["thumb_url"]).status_code == 200

    other_buyer = world.buyer(shop)
    other_shop = world.shop("别家店")
    stranger_agent = world.agent(other_shop)
    stranger_buyer = world.buyer(other_shop)
    for who in (other_buyer, stranger_agent, stranger_buyer):
        assert who.get(att["url"]).status_code == 404
        assert who.get(att["thumb_url"]).status_code == 404
    assert world.client.get(att["url"]).status_code == 403  # nobody logged in, no visitor token
    # the widget's token decides, even in a browser logged in as another shop's agent
    both = {"cookie": stranger_agent.cookie, "x-visitor-token": buyer.token}
    assert world.client.get(att["url"], headers=both).status_code == 200
    assert buyer.get("/api/attachments/" + "A" * 32).status_code == 404  # a made-up id
    assert buyer.get("/api/attachments/1").status_code == 404


def test_nobody_sends_someone_elses_upload(chat, world):
    shop, agent, buyer, conv_id = chat
    att = upload_as_buyer(buyer).json()["attachment"]
    other_buyer = world.buyer(shop)
    r = other_buyer.post("/api/widget/messages", {"attachment_id": att["id"]})
    assert r.status_code == 404
    assert agent.post(f"/api/conversations/{conv_id}/messages", {"attachment_id": att["id"]}).status_code == 404
    other = world.agent(world.shop())
    theirs = upload_as_agent(other).json()["attachment"]
    assert agent.post(f"/api/conversations/{conv_id}/messages", {"attachment_id": theirs["id"]}).status_code == 404
    assert len(buyer.get("/api/widget/conversation").json()["messages"]) == 1


def test_a_renamed_text_file_is_refused_in_both_languages(chat):
    _shop, agent, buyer, _conv_id = chat
    r = upload_as_buyer(buyer, b"order 123456789012, please refund\n" * 20, name="x.jpg")
    assert r.status_code == 415
    err = r.json()["error"]
    assert err["code"] == "not_an_image" and "图片" in err["zh"] and "image" in err["en"]
    assert upload_as_agent(agent, b"GIF89a but not really", name="y.gif", mime="image/gif").status_code == 415


def test_upload_shape_errors_are_4xx(chat):
    _shop, _agent, buyer, _conv_id = chat
    assert buyer.post("/api/widget/attachments", {"file": "x"}).status_code == 415  # JSON, not multipart
    r = buyer.client.post("/api/widget/attachments", headers=buyer.headers(), data={"note": "hi"},
                          files={"other": ("a.txt", b"x", "text/plain")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "image_missing"
    no_token = buyer.client.post("/api/widget/attachments", files={"file": ("a.jpg", photo(), "image/jpeg")})
    assert no_token.status_code == 403


def test_oversized_upload_is_refused_by_its_content_length_unread(chat):
    _shop, _agent, buyer, _conv_id = chat
    headers = {**buyer.headers(), "content-type": "multipart/form-data; boundary=b",
               "content-length": str(rules.MAX_BYTES * 3)}
    r = buyer.client.post("/api/widget/attachments", headers=headers, content=b"--b\r\n")
    assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"


def test_oversized_streamed_upload_is_cut_off_while_streaming(chat, world):
    """A chunked body (no Content-Length) is counted as it arrives and refused at the limit, not read to its end."""
    _shop, _agent, buyer, _conv_id = chat
    head = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff")
    chunks = [head] + [b"\x00" * rules.MB] * 40
    pulled, sent = [], []

    async def receive():
        pulled.append(1)
        more = len(pulled) < len(chunks)
        return {"type": "http.request", "body": chunks[len(pulled) - 1], "more_body": more}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/widget/attachments", "raw_path": b"/api/widget/attachments", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"content-type", b"multipart/form-data; boundary=b"),
                         (b"x-visitor-token", buyer.token.encode())]}
    world.run(world.client.app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert len(pulled) <= 12  # about 10 MB of the 40 MB were read


def test_after_a_reconnect_the_buyer_resyncs_the_image_message(chat):
    _shop, agent, buyer, conv_id = chat
    with buyer.ws() as bws:
        last = until(bws, lambda f: f["type"] == "ready").get("last_event_id")
    att = upload_as_agent(agent).json()["attachment"]
    agent.post(f"/api/conversations/{conv_id}/messages", {"attachment_id": att["id"], "client_msg_id": "a-img"})
    after = last if last is not None else 0
    with buyer.ws(last_event_id=after) as bws:
        ev = until(bws, is_event("message.created"))["event"]
    assert ev["data"]["message"]["attachment"]["id"] == att["id"]
    events = buyer.get(f"/api/widget/events?after={after}").json()["events"]
    assert any((e["data"].get("message") or {}).get("attachment", {}).get("id") == att["id"] for e in events)


def test_an_upload_nobody_sends_is_deleted_after_a_day(frozen, chat, world, settings):
    from kefu.attachments.service import UNSENT_TIMER
    from kefu.core.scheduler import run_due

    shop, agent, buyer, _conv_id = chat
    sent = upload_as_buyer(buyer).json()["attachment"]
    buyer.post("/api/widget/messages", {"attachment_id": sent["id"], "client_msg_id": "kept"})
    unsent = upload_as_agent(agent).json()["attachment"]
    folder = settings.data_dir / "attachments"
    assert len(list(folder.rglob(f"{unsent['id']}*"))) == 2  # the image and its thumbnail
    frozen.advance(hours=23)
    world.run(lambda: run_due(world.db, 500, {UNSENT_TIMER}))
    assert len(list(folder.rglob(f"{unsent['id']}*"))) == 2
    frozen.advance(hours=1, seconds=1)
    world.run(lambda: run_due(world.db, 500, {UNSENT_TIMER}))
    assert list(folder.rglob(f"{unsent['id']}*")) == []
    assert len(list(folder.rglob(f"{sent['id']}*"))) == 2
    fresh = world.agent(shop)  # the first login has expired by now
    assert fresh.get(unsent["url"]).status_code == 404
    assert fresh.get(sent["url"]).status_code == 200


def test_a_buyer_uploading_without_pause_is_told_to_wait(chat, world, monkeypatch):
    from kefu.attachments import rules as attachment_rules

    monkeypatch.setattr(attachment_rules, "BUYER_UPLOADS_PER_HOUR", 2)
    _shop, agent, buyer, _conv_id = chat
    assert [upload_as_buyer(buyer).status_code for _ in range(2)] == [201, 201]
    r = upload_as_buyer(buyer)
    assert r.status_code == 429 and "频繁" in r.json()["error"]["zh"]
    assert upload_as_buyer(world.buyer(_shop)).status_code == 201  # another buyer is not held up
    assert upload_as_agent(agent).status_code == 201
