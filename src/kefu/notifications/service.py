"""Verbs of notifications: what a ticket event queues (bell rows, webhook POSTs, mails — all in the ticket's own
transaction), an attempt begun and its outcome recorded, the bell read and marked read, and the admin's settings.
Talking to the outside world is not here: kefu.notifications.jobs does it after the attempt's claim commits."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.agents.rules import SUPERVISE_ROLES
from kefu.audit import service as audit
from kefu.conversations.models import Conversation
from kefu.core import events, scheduler
from kefu.core.clock import iso, now
from kefu.core.errors import Conflict, NotFound
from kefu.customers.models import Customer
from kefu.customers.service import get_customer
from kefu.notifications import rules
from kefu.notifications.models import Delivery, DeliveryAttempt, Notification, NotifySettings, WebhookEndpoint
from kefu.notifications.rules import Outcome, Outgoing
from kefu.notifications.schemas import notification_out
from kefu.shops.models import Shop
from kefu.tickets.events import Change
from kefu.tickets.models import Ticket
from kefu.tickets.schemas import ticket_out

DELIVER_TIMER = "notify.deliver"
LIVE_EVENT = "notification.created"
HANDED = "kefu_notify_handed"  # session.info: (ticket, agent) pairs told of a new ticket in this transaction


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = True


@dataclass
class _Config:
    mail: MailConfig | None = None
    base_url: str = "http://127.0.0.1:8000"


config = _Config()


def configure(settings: Any) -> None:
    """Read KEFU_SMTP_* and the public URL (kefu.core.config): mail is sent only when host and From are set."""
    config.base_url = settings.base_url()
    config.mail = (MailConfig(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_user,
                              settings.smtp_password, settings.smtp_starttls)
                   if settings.smtp_host and settings.smtp_from else None)


# ---------------------------------------------------------------- in-app: the bell

class InApp:
    """The in-app channel: a row in the recipient's bell and a private event their sockets hear, both in the
    caller's transaction (``target`` is the agent id, ``body`` the JSON {zh, en, link}). Lines sent are written
    together at ``flush`` (one INSERT for a batch), then their events are queued."""
    name = "in_app"

    def __init__(self, s: AsyncSession) -> None:
        self.s, self.rows = s, []

    async def send(self, delivery: Outgoing, shop_id: int, ticket_id: int | None = None) -> Outcome:
        line = json.loads(delivery.body)
        self.rows.append(Notification(shop_id=shop_id, agent_id=int(delivery.target), ticket_id=ticket_id,
                                      kind=delivery.event, text_zh=line["zh"][:500], text_en=line["en"][:500],
                                      link=line.get("link", "")[:200], created_at=now()))
        return Outcome(ok=True)

    async def flush(self) -> None:
        if not self.rows:
            return
        self.s.add_all(self.rows)
        await self.s.flush()
        for n in self.rows:
            await events.record(self.s, n.shop_id, LIVE_EVENT, {"agent_id": n.agent_id,
                                                                "notification": notification_out(n)}, private=True)
        self.rows = []


class _Reads:
    """What a batch of ticket changes reads once per shop: the supervisors (a breach's bell) and the webhook
    endpoints."""

    def __init__(self, s: AsyncSession) -> None:
        self.s, self.supervisors, self.endpoints = s, {}, {}

    async def supervisors_of(self, shop_id: int) -> list[int]:
        if shop_id not in self.supervisors:
            self.supervisors[shop_id] = list((await self.s.scalars(select(Agent.id).where(
                Agent.shop_id == shop_id, Agent.active.is_(True), Agent.role.in_(SUPERVISE_ROLES)))).all())
        return self.supervisors[shop_id]

    async def endpoints_of(self, shop_id: int, only: int | None = None) -> list[WebhookEndpoint]:
        if (shop_id, only) not in self.endpoints:
            stmt = select(WebhookEndpoint).where(WebhookEndpoint.shop_id == shop_id, WebhookEndpoint.enabled.is_(True))
            if only is not None:
                stmt = stmt.where(WebhookEndpoint.id == only)
            self.endpoints[shop_id, only] = list((await self.s.scalars(stmt.order_by(WebhookEndpoint.id))).all())
        return self.endpoints[shop_id, only]


async def _bell(s: AsyncSession, channel: InApp, reads: _Reads, kind: str, t: Ticket, data: dict) -> None:
    audience = rules.bell_audience(kind, t.assignee_id, t.created_by_id, data)
    if audience is None:
        return
    who, agent_id = audience
    if who == "supervisors":
        ids = await reads.supervisors_of(t.shop_id)
    else:
        # A ticket opened for someone is also "assigned" to them in the same transaction: one line, not two.
        if kind in ("created", "assigned"):
            handed = s.sync_session.info.setdefault(HANDED, set())
            if (t.id, agent_id) in handed:
                return
            handed.add((t.id, agent_id))
        ids = [agent_id]
    zh, en = rules.bell_text(kind, t.number, t.title, data)
    body = json.dumps({"zh": zh, "en": en, "link": rules.ticket_link(t.number)}, ensure_ascii=False)
    for agent_id in ids:
        await channel.send(Outgoing("in_app", str(agent_id), kind, body), t.shop_id, t.id)


async def unread_count(s: AsyncSession, agent: Agent) -> int:
    return await s.scalar(select(func.count()).select_from(Notification).where(
        Notification.agent_id == agent.id, Notification.read_at.is_(None))) or 0


async def list_for(s: AsyncSession, agent: Agent, limit: int = 20, before: int | None = None) -> dict:
    stmt = select(Notification).where(Notification.agent_id == agent.id)
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    rows = (await s.scalars(stmt.order_by(Notification.id.desc()).limit(limit))).all()
    return {"notifications": [notification_out(n) for n in rows], "unread": await unread_count(s, agent)}


async def mark_read(s: AsyncSession, agent: Agent, notification_id: int | None = None) -> int:
    """Mark one of the agent's notifications read (another's reads as not found), or all of them; returns how
    many stay unread."""
    stmt = update(Notification).where(Notification.agent_id == agent.id, Notification.read_at.is_(None))
    if notification_id is not None:
        n = await s.get(Notification, notification_id)
        if n is None or n.agent_id != agent.id:
            raise NotFound("通知不存在", "Notification not found", code="notification_not_found")
        stmt = stmt.where(Notification.id == notification_id)
    await s.execute(stmt.values(read_at=now()))
    return await unread_count(s, agent)


# ---------------------------------------------------------------- outgoing: queued now, sent by a timer

def _delivery(shop_id: int, channel: str, target: str, event: str, body: str, *, uid: str | None = None,
              ticket_id: int | None = None, endpoint_id: int | None = None, subject: str | None = None) -> Delivery:
    at = now()
    return Delivery(uid=uid or uuid.uuid4().hex, shop_id=shop_id, channel=channel, target=target[:500], event=event,
                    ticket_id=ticket_id, endpoint_id=endpoint_id, subject=subject, body=body, status="pending",
                    attempts=0, next_at=at, created_at=at)


async def _queue_all(s: AsyncSession, outgoing: list[Delivery]) -> list[Delivery]:
    """Store deliveries, each with its first timer (due now), in two INSERTs however many there are."""
    if outgoing:
        s.add_all(outgoing)
        await s.flush()
        for d in outgoing:
            scheduler.add(s, d.shop_id, DELIVER_TIMER, d.next_at, key=f"delivery:{d.id}",
                          payload={"delivery_id": d.id})
        await s.flush()
    return outgoing


async def queue(s: AsyncSession, shop_id: int, channel: str, target: str, event: str, body: str,
                **fields: Any) -> Delivery:
    return (await _queue_all(s, [_delivery(shop_id, channel, target, event, body, **fields)]))[0]


async def _webhooks(reads: _Reads, shop: Shop, event: str, data: dict, t: Ticket | None = None,
                    only: int | None = None) -> list[Delivery]:
    """One delivery per enabled endpoint of the shop (or just ``only``), each with its own id in the body."""
    out = []
    ticket = None
    for ep in await reads.endpoints_of(shop.id, only):
        if t is not None and ticket is None:
            ticket = ticket_out(t)
        uid = uuid.uuid4().hex
        body = rules.webhook_body(uid, event, iso(now()), shop.slug, ticket, data)
        out.append(_delivery(shop.id, "webhook", ep.url, event, body, uid=uid, ticket_id=t.id if t else None,
                             endpoint_id=ep.id))
    return out


async def _mail(s: AsyncSession, kind: str, t: Ticket, shop: Shop, data: dict) -> list[Delivery]:
    if config.mail is None:
        return []
    out = []
    customer = await s.get(Customer, t.customer_id) if t.customer_id is not None else None
    if customer is not None and customer.email and rules.buyer_mailed(kind, data):
        conv = await s.get(Conversation, t.conversation_id) if t.conversation_id is not None else None
        subject, text = rules.buyer_mail(kind, data, t.number, t.title, conv.lang if conv else "zh", shop.name,
                                         f"{config.base_url}/tickets/status")
        out.append(_delivery(shop.id, "email", customer.email, f"ticket.{kind}", text, subject=subject,
                             ticket_id=t.id))
    prefs = await s.get(NotifySettings, shop.id) if kind == "sla_breached" else None
    if prefs is not None and prefs.alert_emails:
        owner = await s.get(Agent, t.assignee_id) if t.assignee_id is not None else None
        subject, text = rules.alert_mail(t.number, t.title, data.get("clock", ""), owner.display_name if owner else "—",
                                         shop.name, config.base_url + rules.ticket_link(t.number))
        out += [_delivery(shop.id, "email", address, "ticket.sla_breached", text, subject=subject, ticket_id=t.id)
                for address in prefs.alert_emails]
    return out


async def ticket_events(s: AsyncSession, changes: list[Change]) -> None:
    """Everything a transaction's ticket changes set off, in that transaction: bell rows (and their live events),
    one webhook delivery per endpoint of the shop, and mail to the buyer or the alert addresses when SMTP is set.
    A batch (SLA timers falling due together) reads its shop's supervisors and endpoints once and writes its
    rows in a few INSERTs."""
    bell, reads, outgoing = InApp(s), _Reads(s), []
    for kind, t, data in changes:
        shop = await s.get(Shop, t.shop_id)
        await _bell(s, bell, reads, kind, t, data)
        outgoing += await _webhooks(reads, shop, f"ticket.{kind}", data, t)
        outgoing += await _mail(s, kind, t, shop, data)
    await bell.flush()
    await _queue_all(s, outgoing)


async def begin_attempt(s: AsyncSession, delivery_id: int) -> tuple[int, Outgoing] | None:
    """A delivery's timer fell due: count the attempt, and arm the next timer before anything is sent (the retry
    if this attempt fails, or the check that gives up a last attempt whose outcome never came). Returns (attempt
    number, what to send), or None when there is nothing to do."""
    d = await s.get(Delivery, delivery_id)
    if d is None or d.status in ("delivered", "failed"):
        return None
    at = now()
    if d.status == "sending":  # the last attempt's outcome never came back (the process stopped mid-send)
        _log(s, d, Outcome(ok=False, error="no outcome recorded (stopped while sending?)"))
        if d.attempts >= rules.MAX_ATTEMPTS:
            _give_up(d, "no outcome recorded")
            return None
    secret = None
    if d.channel == "webhook":
        endpoint = await s.get(WebhookEndpoint, d.endpoint_id) if d.endpoint_id is not None else None
        if endpoint is None or not endpoint.enabled:
            _give_up(d, "endpoint removed")
            return None
        secret = endpoint.secret
    d.attempts += 1
    d.status = "sending"
    wait = rules.retry_delay(d.attempts)
    d.next_at = at + timedelta(seconds=wait) if wait is not None else None
    await scheduler.schedule(s, d.shop_id, DELIVER_TIMER, at + timedelta(seconds=wait or rules.STALE_AFTER),
                             key=f"delivery:{d.id}", payload={"delivery_id": d.id})
    return d.attempts, Outgoing(d.channel, d.target, d.event, d.body, d.uid, d.subject, secret)


def _give_up(d: Delivery, why: str) -> None:
    d.status, d.next_at, d.last_error = "failed", None, why[:500]


def _log(s: AsyncSession, d: Delivery, outcome: Outcome, number: int | None = None) -> None:
    s.add(DeliveryAttempt(shop_id=d.shop_id, delivery_id=d.id, number=number or d.attempts, at=now(), ok=outcome.ok,
                          status_code=outcome.status_code, error=(outcome.error or None) and outcome.error[:500],
                          duration_ms=outcome.duration_ms))


async def record_outcome(s: AsyncSession, delivery_id: int, number: int, outcome: Outcome) -> None:
    """Log an attempt; the delivery is delivered, waits for its retry timer (armed already), or is given up."""
    d = await s.get(Delivery, delivery_id)
    if d is None:
        return
    _log(s, d, outcome, number)
    if d.attempts != number or d.status != "sending":
        return  # a later attempt has begun meanwhile: it decides
    if outcome.ok:
        d.status, d.delivered_at, d.next_at, d.last_error = "delivered", now(), None, None
    else:
        d.last_error = (outcome.error or f"HTTP {outcome.status_code}")[:500]
        if outcome.permanent or rules.retry_delay(number) is None:
            _give_up(d, d.last_error)
        else:
            d.status = "retrying"
            return
    # SKIP LOCKED: should the retry timer be running right now, it waits for this row and then finds nothing to do
    await scheduler.drop(s, DELIVER_TIMER, f"delivery:{d.id}")


async def deliveries(s: AsyncSession, shop_id: int, limit: int = 50, channel: str | None = None,
                     status: str | None = None) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """The delivery log, newest first, each with its attempts."""
    stmt = select(Delivery).where(Delivery.shop_id == shop_id)
    if channel:
        stmt = stmt.where(Delivery.channel == channel)
    if status:
        stmt = stmt.where(Delivery.status == status)
    rows = (await s.scalars(stmt.order_by(Delivery.id.desc()).limit(limit))).all()
    attempts = (await s.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_([d.id for d in rows]))
                                .order_by(DeliveryAttempt.id))).all() if rows else []
    by_delivery: dict[int, list[DeliveryAttempt]] = {}
    for a in attempts:
        by_delivery.setdefault(a.delivery_id, []).append(a)
    return [(d, by_delivery.get(d.id, [])) for d in rows]


# ---------------------------------------------------------------- the admin's settings

async def endpoints(s: AsyncSession, shop_id: int) -> list[WebhookEndpoint]:
    return list((await s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.shop_id == shop_id)
                                 .order_by(WebhookEndpoint.id))).all())


async def alert_emails(s: AsyncSession, shop_id: int) -> list[str]:
    prefs = await s.get(NotifySettings, shop_id)
    return list(prefs.alert_emails) if prefs else []


async def add_webhook(s: AsyncSession, admin: Agent, url: str, secret: str | None) -> WebhookEndpoint:
    url, secret = rules.check_url(url), rules.check_secret(secret)
    existing = await endpoints(s, admin.shop_id)
    if any(ep.url == url for ep in existing):
        raise Conflict("该网址已添加", "This URL is already configured", code="webhook_exists")
    if len(existing) >= rules.MAX_ENDPOINTS:
        raise Conflict(f"最多 {rules.MAX_ENDPOINTS} 个 Webhook 地址", f"At most {rules.MAX_ENDPOINTS} webhook URLs",
                       code="too_many_webhooks")
    ep = WebhookEndpoint(shop_id=admin.shop_id, url=url, secret=secret, enabled=True, created_by_id=admin.id,
                         created_at=now())
    s.add(ep)
    await s.flush()
    await audit.record(s, admin.shop_id, admin, "settings.notifications", f"webhook:{ep.id}",
                       {"webhook": "added", "site": audit.site(url), "signed": bool(secret)})
    return ep


async def _endpoint(s: AsyncSession, admin: Agent, endpoint_id: int) -> WebhookEndpoint:
    ep = await s.get(WebhookEndpoint, endpoint_id)
    if ep is None or ep.shop_id != admin.shop_id:
        raise NotFound("Webhook 地址不存在", "Webhook not found", code="webhook_not_found")
    return ep


async def remove_webhook(s: AsyncSession, admin: Agent, endpoint_id: int) -> None:
    """Its deliveries stay in the log; any still to be retried are given up at their next turn."""
    await s.delete(await _endpoint(s, admin, endpoint_id))
    await audit.record(s, admin.shop_id, admin, "settings.notifications", f"webhook:{endpoint_id}",
                       {"webhook": "removed"})


async def test_webhook(s: AsyncSession, admin: Agent, endpoint_id: int) -> Delivery:
    """Queue a ``ping`` to one endpoint, sent like any event (signed, logged)."""
    ep = await _endpoint(s, admin, endpoint_id)
    shop = await s.get(Shop, admin.shop_id)
    if not ep.enabled:
        raise Conflict("该 Webhook 已停用", "This webhook is disabled", code="webhook_disabled")
    return (await _queue_all(s, await _webhooks(_Reads(s), shop, "ping", {"by": admin.display_name}, only=ep.id)))[0]


async def set_alert_emails(s: AsyncSession, admin: Agent, addresses: list[str]) -> list[str]:
    clean = rules.check_emails(addresses)
    prefs = await s.get(NotifySettings, admin.shop_id)
    if prefs is None:
        prefs = NotifySettings(shop_id=admin.shop_id)
        s.add(prefs)
    await audit.record(s, admin.shop_id, admin, "settings.notifications", "shop",
                       audit.changes({"alert_emails": list(prefs.alert_emails or [])}, {"alert_emails": clean}))
    prefs.alert_emails, prefs.updated_at = clean, now()
    return clean


async def set_buyer_email(s: AsyncSession, agent: Agent, customer_id: int, email: str | None) -> Customer:
    """The address a buyer's ticket replies are mailed to (empty: no mail)."""
    customer = await get_customer(s, agent.shop_id, customer_id)
    customer.email = rules.check_email(email) if email and email.strip() else None
    return customer
