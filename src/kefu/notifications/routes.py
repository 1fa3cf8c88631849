"""Notifications over REST: every agent's bell (list, mark read), the buyer's mail address, and for the shop's
admin the webhooks, the alert addresses and the delivery log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from kefu.agents.models import Agent
from kefu.core.auth import admin, any_agent, get_db
from kefu.core.db import Database
from kefu.notifications import service
from kefu.notifications.schemas import AlertEmailsIn, BuyerEmailIn, WebhookIn, delivery_out, webhook_out

MAX_ID, MAX_INT = 2**53, 2**31 - 1
EndpointId = Path(ge=1, le=MAX_INT)
router = APIRouter(prefix="/api/notifications", tags=["notifications"])
admin_router = APIRouter(prefix="/api/admin/notifications", tags=["admin"])


@router.get("")
async def my_notifications(limit: int = Query(20, ge=1, le=50), before: int | None = Query(None, ge=1, le=MAX_ID),
                           agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """The agent's latest notifications, newest first (``before``: older than that id), and how many are unread."""
    async with db.transaction() as s:
        return await service.list_for(s, agent, limit, before)


@router.post("/read-all")
async def read_all(agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"unread": await service.mark_read(s, agent)}


@router.post("/{notification_id}/read")
async def read_one(notification_id: int = Path(ge=1, le=MAX_ID), agent: Agent = Depends(any_agent),
                   db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"unread": await service.mark_read(s, agent, notification_id)}


@router.put("/buyers/{customer_id}/email")
async def buyer_email(body: BuyerEmailIn, customer_id: int = Path(ge=1, le=MAX_INT),
                      agent: Agent = Depends(any_agent), db: Database = Depends(get_db)):
    """Where this buyer's ticket replies and resolutions are mailed (null or empty: nowhere)."""
    async with db.transaction() as s:
        customer = await service.set_buyer_email(s, agent, customer_id, body.email)
        return {"customer_id": customer.id, "email": customer.email}


@admin_router.get("")
async def settings(agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        mail = service.config.mail
        return {"webhooks": [webhook_out(ep) for ep in await service.endpoints(s, agent.shop_id)],
                "alert_emails": await service.alert_emails(s, agent.shop_id),
                "mail": {"configured": mail is not None, "sender": mail.sender if mail else None}}


@admin_router.post("/webhooks", status_code=201)
async def add_webhook(body: WebhookIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """Every ticket event of the shop is POSTed here from now on; the answer shows the secret this once."""
    async with db.transaction() as s:
        return {"webhook": webhook_out(await service.add_webhook(s, agent, body.url, body.secret), reveal=True)}


@admin_router.delete("/webhooks/{endpoint_id}")
async def remove_webhook(endpoint_id: int = EndpointId, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        await service.remove_webhook(s, agent, endpoint_id)
        return {"ok": True}


@admin_router.post("/webhooks/{endpoint_id}/test", status_code=202)
async def test_webhook(endpoint_id: int = EndpointId, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    """Queue a signed ``ping``: it shows in the delivery log within seconds."""
    async with db.transaction() as s:
        d = await service.test_webhook(s, agent, endpoint_id)
        return {"delivery": delivery_out(d, [])}


@admin_router.put("/alert-emails")
async def alert_emails(body: AlertEmailsIn, agent: Agent = Depends(admin), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        return {"alert_emails": await service.set_alert_emails(s, agent, body.emails)}


@admin_router.get("/deliveries")
async def deliveries(channel: str | None = Query(None, pattern="^(webhook|email)$"),
                     status: str | None = Query(None, pattern="^(pending|sending|retrying|delivered|failed)$"),
                     limit: int = Query(50, ge=1, le=200), agent: Agent = Depends(admin),
                     db: Database = Depends(get_db)):
    """The delivery log, newest first: each webhook POST or mail with every attempt (status code or error, time)."""
    async with db.transaction() as s:
        rows = await service.deliveries(s, agent.shop_id, limit, channel, status)
        return {"deliveries": [delivery_out(d, log) for d, log in rows]}
