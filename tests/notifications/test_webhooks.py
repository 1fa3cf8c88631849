"""Webhooks: the shop admin adds a URL, every ticket event of the shop is POSTed there from a timer, signed with
the secret; a failure is retried later with backoff and every attempt shows in the delivery log; a receiver that
is down never holds up or undoes the ticket change; bad input and the wrong caller get clear 4xx answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kefu.notifications import rules
from tests.notifications.conftest import deliver

MONDAY_10 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def _shop_with_admin(world):
    shop = world.shop()
    return shop, world.agent(shop, role="admin", name="店长"), world.agent(shop, name="小王")


def test_ticket_events_reach_the_endpoint_signed_and_a_500_is_retried_later_and_logged(world, frozen, receiver):
    frozen.freeze(MONDAY_10)
    _shop, boss, agent = _shop_with_admin(world)
    r = boss.post("/api/admin/notifications/webhooks", {"url": receiver.url, "secret": "s3cret-for-the-shop-erp"})
    assert r.status_code == 201, r.text
    hook = r.json()["webhook"]
    assert hook["secret"] == "s3cret-for-the-shop-erp"  # shown in full this once
    listed = boss.get("/api/admin/notifications").json()["webhooks"]
    assert listed[0]["url"] == receiver.url and listed[0]["secret"] == "s3cret…-erp"  # masked afterwards

    number = agent.post("/api/tickets", {"kind": "售后", "title": "少发一件"}).json()["ticket"]["number"]
    assert receiver.calls == []  # nothing is sent inside the request
    receiver.script = [500]
    deliver(world)
    assert len(receiver.calls) == 1
    headers, body = receiver.calls[0]
    assert rules.verify("s3cret-for-the-shop-erp", headers["x-kefu-signature"], body,
                        now_ts=int(MONDAY_10.timestamp()))
    assert not rules.verify("another-secret-000", headers["x-kefu-signature"], body, now_ts=int(MONDAY_10.timestamp()))
    payload = json.loads(body)
    assert payload["event"] == "ticket.created" and payload["ticket"]["number"] == number
    assert headers["x-kefu-delivery"] == payload["id"] and headers["x-kefu-event"] == "ticket.created"

    log = boss.get("/api/admin/notifications/deliveries").json()["deliveries"]
    assert [(d["event"], d["status"], d["attempts"]) for d in log] == [("ticket.created", "retrying", 1)]
    assert log[0]["log"][0]["status_code"] == 500 and log[0]["log"][0]["ok"] is False
    assert datetime.fromisoformat(log[0]["next_at"]) == datetime(2026, 12, 7, 2, 0, 30, tzinfo=UTC)

    frozen.advance(seconds=29)
    deliver(world)
    assert len(receiver.calls) == 1  # not yet: the retry is due 30 s after the failure
    frozen.advance(seconds=1)
    deliver(world)
    assert len(receiver.calls) == 2
    again_headers, again_body = receiver.calls[1]
    assert again_body == body and again_headers["x-kefu-delivery"] == headers["x-kefu-delivery"]  # same delivery
    assert rules.verify("s3cret-for-the-shop-erp", again_headers["x-kefu-signature"], again_body,
                        now_ts=int(frozen.now().timestamp()))
    log = boss.get("/api/admin/notifications/deliveries").json()["deliveries"]
    assert (log[0]["status"], log[0]["attempts"], log[0]["next_at"]) == ("delivered", 2, None)
    assert [(a["number"], a["ok"], a["status_code"]) for a in log[0]["log"]] == [(1, False, 500), (2, True, 200)]

    # a reply is an event too, with its text; the test ping goes the same way
    agent.post(f"/api/tickets/{number}/notes", {"text": "已为您补发"})
    r = boss.post(f"/api/admin/notifications/webhooks/{hook['id']}/test")
    assert r.status_code == 202
    deliver(world)
    events = {e["event"]: e for e in (json.loads(b) for _, b in receiver.calls[2:])}  # sent side by side
    assert sorted(events) == ["ping", "ticket.replied"]
    assert events["ticket.replied"]["data"]["text"] == "已为您补发" and events["ping"]["ticket"] is None


def test_a_dead_endpoint_never_holds_up_the_ticket_and_is_given_up_after_six_attempts(world, frozen, receiver):
    frozen.freeze(MONDAY_10)
    _shop, boss, agent = _shop_with_admin(world)
    dead = receiver.url.replace(f":{receiver.server.server_port}/", ":9/")  # the discard port: nobody listens
    assert boss.post("/api/admin/notifications/webhooks", {"url": dead}).status_code == 201
    r = agent.post("/api/tickets", {"kind": "咨询", "title": "发票怎么开"})
    assert r.status_code == 201
    number = r.json()["ticket"]["number"]
    assert agent.post(f"/api/tickets/{number}/status", {"status": "in_progress"}).status_code == 200
    for wait in (0, *rules.RETRY_DELAYS):
        frozen.advance(seconds=wait)
        deliver(world)
    assert agent.get(f"/api/tickets/{number}").json()["ticket"]["status"] == "in_progress"  # committed, kept
    log = boss.get("/api/admin/notifications/deliveries?channel=webhook").json()["deliveries"]
    assert [d["event"] for d in log] == ["ticket.status", "ticket.created"]
    assert all(d["status"] == "failed" and d["attempts"] == 6 and len(d["log"]) == 6 for d in log)
    assert all(a["error"] and a["status_code"] is None for a in log[0]["log"])
    frozen.advance(hours=3)
    deliver(world)
    assert len(boss.get("/api/admin/notifications/deliveries").json()["deliveries"][0]["log"]) == 6  # no 7th


def test_bad_urls_other_shops_and_plain_agents_are_refused_clearly(world):
    _shop, boss, agent = _shop_with_admin(world)
    for url in ("ftp://erp.example/hook", "erp.example/hook", "https://erp.example/" + "x" * 600):
        r = boss.post("/api/admin/notifications/webhooks", {"url": url})
        assert r.status_code == 422, url
        assert r.json()["error"]["code"] == "bad_webhook_url" and "网址" in r.json()["error"]["zh"]
        assert r.json()["error"]["en"]
    r = boss.post("/api/admin/notifications/webhooks", {"url": "https://erp.example/hook", "secret": "short"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_webhook_secret"
    hook = boss.post("/api/admin/notifications/webhooks", {"url": "https://erp.example/hook"}).json()["webhook"]
    r = boss.post("/api/admin/notifications/webhooks", {"url": "https://erp.example/hook"})
    assert r.status_code == 409 and r.json()["error"]["zh"]

    r = agent.post("/api/admin/notifications/webhooks", {"url": "https://evil.example/"})
    assert r.status_code == 403 and r.json()["error"]["zh"] and r.json()["error"]["en"]
    assert agent.get("/api/admin/notifications/deliveries").status_code == 403
    other_admin = world.agent(world.shop(), role="admin")
    r = other_admin.client.delete(f"/api/admin/notifications/webhooks/{hook['id']}", headers=other_admin.headers())
    assert r.status_code == 404 and r.json()["error"]["code"] == "webhook_not_found"
    assert other_admin.post(f"/api/admin/notifications/webhooks/{hook['id']}/test").status_code == 404
    assert boss.get("/api/admin/notifications").json()["webhooks"][0]["id"] == hook["id"]  # still there
    r = boss.put("/api/admin/notifications/alert-emails", {"emails": ["boss@shop.cn", "not-an-address"]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_email"
    assert world.client.get("/api/admin/notifications").status_code == 401
    r = boss.client.delete(f"/api/admin/notifications/webhooks/{hook['id']}", headers=boss.headers())
    assert r.status_code == 200 and boss.get("/api/admin/notifications").json()["webhooks"] == []


def test_notifications_that_cannot_be_queued_never_undo_the_ticket_change(world, monkeypatch, receiver):
    from kefu.notifications import service

    _shop, boss, agent = _shop_with_admin(world)
    assert boss.post("/api/admin/notifications/webhooks", {"url": receiver.url}).status_code == 201

    async def half_then_broken(s, changes):
        await service.queue(s, changes[0].ticket.shop_id, "webhook", receiver.url, "ticket.half", "{}")
        raise RuntimeError("the notification code has a bug")

    monkeypatch.setattr(service, "ticket_events", half_then_broken)
    r = agent.post("/api/tickets", {"kind": "售后", "title": "换货"})
    assert r.status_code == 201
    assert agent.get(f"/api/tickets/{r.json()['ticket']['number']}").status_code == 200
    assert boss.get("/api/admin/notifications/deliveries").json()["deliveries"] == []  # its half undone
