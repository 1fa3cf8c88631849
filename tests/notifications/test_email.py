"""Mail through a real SMTP conversation (aiosmtpd on 127.0.0.1): a reply the buyer may read, and the ticket being
resolved, reach the buyer's address; internal notes never do; an SLA breach is mailed to the shop's alert
addresses; without SMTP settings nothing is queued."""

from __future__ import annotations

import email
import socket
from datetime import datetime
from email.policy import default
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from kefu.notifications import service
from tests.notifications.conftest import deliver, run_sla_timers

SH = ZoneInfo("Asia/Shanghai")


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default)))
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(service.config, "mail", service.MailConfig("127.0.0.1", port, "service@shop.example",
                                                                   starttls=False))
    try:
        yield box
    finally:
        controller.stop()


def _ticket_for_a_buyer(world):
    shop = world.shop("小米粒旗舰店")
    agent = world.agent(shop, name="小王")
    buyer = world.buyer(shop)
    conv = buyer.send("订单 202612040398 少发了一件").json()["conversation_id"]
    t = agent.post("/api/tickets", {"kind": "售后", "title": "少发一件", "conversation_id": conv}).json()["ticket"]
    return shop, agent, buyer, t


def test_replies_and_the_resolution_are_mailed_to_the_buyer_and_internal_notes_never(world, frozen, inbox):
    frozen.freeze(datetime(2026, 12, 7, 10, tzinfo=SH))
    _shop, agent, _buyer, t = _ticket_for_a_buyer(world)
    number = t["number"]
    agent.post(f"/api/tickets/{number}/notes", {"text": "还没有邮箱时的回复"})
    r = agent.put(f"/api/notifications/buyers/{t['customer_id']}/email", {"email": "buyer@example.cn"})
    assert r.status_code == 200 and r.json()["email"] == "buyer@example.cn"

    agent.post(f"/api/tickets/{number}/notes", {"text": "仓库确认少发，今天为您补发，单号稍后告知。"})
    agent.post(f"/api/tickets/{number}/notes", {"text": "仓库说是打包漏了", "internal": True})
    agent.post(f"/api/tickets/{number}/status", {"status": "resolved"})
    assert inbox.mails == []  # queued only: the mail goes out from its timer
    deliver(world)
    assert [to for to, _ in inbox.mails] == [["buyer@example.cn"], ["buyer@example.cn"]]
    reply, resolved = sorted((m for _, m in inbox.mails), key=lambda m: "已解决" in m["Subject"])  # sent side by side
    assert reply["Subject"] == f"【小米粒旗舰店】工单 {number} 有新回复"
    assert reply["From"] == "service@shop.example" and reply["X-Kefu-Delivery"]
    assert "今天为您补发" in reply.get_content() and "打包漏了" not in reply.get_content()
    assert resolved["Subject"] == f"【小米粒旗舰店】工单 {number} 已解决"
    assert all("还没有邮箱" not in m.get_content() for _, m in inbox.mails)  # before the address: no mail

    admin = world.agent(world.shop(), role="admin")  # another shop's admin sees none of it
    assert admin.get("/api/admin/notifications/deliveries").json()["deliveries"] == []


def test_a_breach_is_mailed_to_the_alert_addresses(world, frozen, inbox):
    frozen.freeze(datetime(2026, 12, 4, 17, tzinfo=SH))
    shop, _agent, _buyer, t = _ticket_for_a_buyer(world)
    boss = world.agent(shop, role="admin", name="店长")
    r = boss.put("/api/admin/notifications/alert-emails", {"emails": ["ops@shop.example", "boss@shop.example"]})
    assert r.status_code == 200 and r.json()["alert_emails"] == ["ops@shop.example", "boss@shop.example"]
    assert boss.get("/api/admin/notifications").json()["mail"] == {"configured": True,
                                                                   "sender": "service@shop.example"}
    frozen.freeze(datetime(2026, 12, 9, 14, tzinfo=SH))  # the first response's deadline
    run_sla_timers(world)
    deliver(world)
    assert sorted(to[0] for to, _ in inbox.mails) == ["boss@shop.example", "ops@shop.example"]
    mail = inbox.mails[0][1]
    assert t["number"] in mail["Subject"] and "首次响应已超时" in mail.get_content()
    assert "小王" in mail.get_content()
    boss = world.login(boss.info["username"])
    log = boss.get("/api/admin/notifications/deliveries?channel=email").json()["deliveries"]
    assert {d["status"] for d in log} == {"delivered"} and len(log) == 2


def test_no_smtp_no_mail_and_bad_addresses_are_refused(world):
    assert service.config.mail is None  # the tests' settings have no KEFU_SMTP_HOST
    shop, agent, _buyer, t = _ticket_for_a_buyer(world)
    r = agent.put(f"/api/notifications/buyers/{t['customer_id']}/email", {"email": "买家@邮箱"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_email" and r.json()["error"]["en"]
    url = f"/api/notifications/buyers/{t['customer_id']}/email"
    assert agent.put(url, {"email": "b@example.cn"}).status_code == 200
    agent.post(f"/api/tickets/{t['number']}/notes", {"text": "您好"})
    boss = world.agent(shop, role="admin")
    assert boss.get("/api/admin/notifications/deliveries?channel=email").json()["deliveries"] == []
    stranger = world.agent(world.shop())
    assert stranger.put(url, {"email": "x@example.cn"}).status_code == 404
    assert agent.put(url, {"email": None}).json()["email"] is None


def test_a_buyer_who_leaves_an_email_with_a_message_gets_the_reply_in_their_inbox(world, frozen, inbox):
    frozen.freeze(datetime(2026, 12, 7, 10, tzinfo=SH))
    shop = world.shop("小米粒旗舰店")
    agent = world.agent(shop, name="小王")
    buyer = world.buyer(shop)
    assert 'data-mail="1"' in world.client.get(f"/widget/{shop.slug}").text  # the form asks for the address
    r = buyer.post("/api/widget/tickets", {"problem": "杯子碎了", "email": "买家@邮箱"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_email"
    assert buyer.get("/api/widget/tickets").json()["tickets"] == []  # refused whole: no ticket either
    r = buyer.post("/api/widget/tickets", {"problem": "杯子碎了，订单 202612040398", "email": " mi@example.cn "})
    assert r.status_code == 201, r.text
    number = r.json()["ticket"]["number"]
    agent = world.login(agent.info["username"])
    agent.post(f"/api/tickets/{number}/notes", {"text": "已为您补发一只新杯子。"})
    deliver(world)
    assert [to for to, _ in inbox.mails] == [["mi@example.cn"]]
    assert "补发" in inbox.mails[0][1].get_content()


def test_without_smtp_the_widget_asks_for_no_email(world):
    shop = world.shop()
    assert "data-mail" not in world.client.get(f"/widget/{shop.slug}").text
