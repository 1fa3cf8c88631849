"""What the notification endpoints take and give back."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kefu.core.clock import iso
from kefu.notifications import rules
from kefu.notifications.models import Delivery, DeliveryAttempt, Notification, WebhookEndpoint


class WebhookIn(BaseModel):
    url: str = Field(max_length=2000, description="http:// or https://, at most 500 characters")
    secret: str | None = Field(default=None, max_length=512, description="16-128 characters; empty: one is made")


class AlertEmailsIn(BaseModel):
    emails: list[str] = Field(default_factory=list, max_length=50, description="where SLA breaches are mailed")


class BuyerEmailIn(BaseModel):
    email: str | None = Field(default=None, max_length=320, description="empty or null: no mail to this buyer")


def notification_out(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "text": {"zh": n.text_zh, "en": n.text_en}, "link": n.link,
            "ticket_id": n.ticket_id, "created_at": iso(n.created_at), "read_at": iso(n.read_at)}


def webhook_out(ep: WebhookEndpoint, reveal: bool = False) -> dict:
    """The secret in full only when it was just made (the admin copies it then); masked afterwards."""
    return {"id": ep.id, "url": ep.url, "enabled": ep.enabled, "created_at": iso(ep.created_at),
            "secret": ep.secret if reveal else rules.mask(ep.secret)}


def attempt_out(a: DeliveryAttempt) -> dict:
    return {"number": a.number, "at": iso(a.at), "ok": a.ok, "status_code": a.status_code, "error": a.error,
            "duration_ms": a.duration_ms}


def delivery_out(d: Delivery, attempts: list[DeliveryAttempt]) -> dict:
    return {"id": d.id, "uid": d.uid, "channel": d.channel, "target": d.target, "event": d.event,
            "ticket_id": d.ticket_id, "subject": d.subject, "status": d.status, "attempts": d.attempts,
            "next_at": iso(d.next_at) if d.status in ("pending", "retrying") else None,
            "created_at": iso(d.created_at), "delivered_at": iso(d.delivered_at), "last_error": d.last_error,
            "log": [attempt_out(a) for a in attempts]}
