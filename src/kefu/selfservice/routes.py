"""The buyer's side over REST: their tickets in the widget, a message on one, a message left as a new ticket
(留言), and the public status lookup."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from kefu.core.auth import current_visitor, get_db
from kefu.core.db import Database
from kefu.core.security import VisitorClaims
from kefu.customers.service import customer_for_claims
from kefu.selfservice import service
from kefu.selfservice.schemas import BuyerMessageIn, BuyerTicketIn, LookupIn

widget_router = APIRouter(prefix="/api/widget/tickets", tags=["widget"])
public_router = APIRouter(prefix="/api/public/tickets", tags=["public"])


@widget_router.get("")
async def my_tickets(claims: VisitorClaims = Depends(current_visitor), db: Database = Depends(get_db)):
    """The buyer's own tickets: status, next step, deadline, and the replies they may read."""
    async with db.transaction() as s:
        return {"tickets": await service.for_buyer(s, await customer_for_claims(s, claims))}


@widget_router.post("", status_code=201)
async def leave_message(body: BuyerTicketIn, claims: VisitorClaims = Depends(current_visitor),
                        db: Database = Depends(get_db)):
    """The buyer leaves a message (留言) that becomes a ticket they can follow: when nobody is online or they
    prefer it."""
    async with db.transaction() as s:
        customer = await customer_for_claims(s, claims)
        return {"ticket": await service.buyer_view(s, await service.buyer_create(s, customer, body))}


@widget_router.post("/{number}/messages", status_code=201)
async def buyer_message(number: str, body: BuyerMessageIn, claims: VisitorClaims = Depends(current_visitor),
                        db: Database = Depends(get_db)):
    async with db.transaction() as s:
        customer = await customer_for_claims(s, claims)
        t = await service.buyer_reply(s, customer, await service.buyer_ticket(s, customer, number), body.text,
                                     body.attachments)
        return {"ticket": await service.buyer_view(s, t)}


@public_router.post("/lookup")
async def lookup(body: LookupIn, request: Request, db: Database = Depends(get_db)):
    """Anyone with a ticket number and the last four digits of its buyer's phone: the ticket's status. The
    same {"found": false} for no such ticket and wrong digits; 429 past the limits per caller and per ticket."""
    caller = request.client.host if request.client else "unknown"
    async with db.transaction() as s:
        return await service.lookup(s, body.number, body.phone_last4, caller)
