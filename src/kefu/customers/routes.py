"""The buyer widget's API. Buyers authenticate with the signed visitor token, never a cookie."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from kefu.conversations import service as conversations
from kefu.conversations.events import for_buyer
from kefu.conversations.models import Conversation
from kefu.conversations.schemas import BuyerMessageIn, ReadIn, buyer_conversation_out, message_out
from kefu.core import limits
from kefu.core.auth import current_visitor, get_db, get_tokens, visitor_token_of
from kefu.core.db import Database
from kefu.core.events import events_after, last_event_id
from kefu.core.security import VisitorClaims
from kefu.core.validation import After, PathId
from kefu.customers import service
from kefu.shops.service import get_shop_by_slug

router = APIRouter(prefix="/api/widget", tags=["widget"])


class SessionIn(BaseModel):
    token: str | None = Field(default=None, max_length=512)
    display_name: str | None = Field(default=None, max_length=64)


async def _snapshot(s, customer, conv: Conversation | None) -> dict:
    if conv is None:
        return {"conversation": None, "messages": []}
    assignee = await conversations.payload(s, conv)
    return {"conversation": {**buyer_conversation_out(conv, None), "assignee_name": assignee["assignee_name"]},
            "messages": await conversations.list_messages(s, conv, include_private=False)}


async def _latest(s, customer) -> Conversation | None:
    return await s.scalar(select(Conversation).where(Conversation.shop_id == customer.shop_id,
                                                     Conversation.customer_id == customer.id)
                          .order_by(Conversation.id.desc()).limit(1))


@router.post("/{shop_slug}/session")
async def start_session(shop_slug: str, body: SessionIn, request: Request, db: Database = Depends(get_db)):
    """Start or resume a visitor. Send back the stored token to keep the same history."""
    async with db.transaction() as s:
        shop = await get_shop_by_slug(s, shop_slug)
        customer, token = await service.start_visitor(s, get_tokens(request), shop,
                                                      body.token or visitor_token_of(request), body.display_name)
        last_id = await last_event_id(s, shop.id)
        snap = await _snapshot(s, customer, await _latest(s, customer))
        return {"token": token, "shop": {"slug": shop.slug, "name": shop.name},
                "customer": {"id": customer.id, "display_name": customer.display_name},
                "last_event_id": last_id, **snap}


@router.get("/conversation")
async def current_conversation(claims: VisitorClaims = Depends(current_visitor), db: Database = Depends(get_db)):
    async with db.transaction() as s:
        customer = await service.customer_for_claims(s, claims)
        return await _snapshot(s, customer, await _latest(s, customer))


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: PathId, claims: VisitorClaims = Depends(current_visitor),
                       db: Database = Depends(get_db)):
    async with db.transaction() as s:
        customer = await service.customer_for_claims(s, claims)
        return await _snapshot(s, customer, await conversations.buyer_conversation(s, customer, conversation_id))


@router.post("/messages", status_code=201)
async def send(body: BuyerMessageIn, claims: VisitorClaims = Depends(current_visitor), db: Database = Depends(get_db)):
    limits.buyer_messages.take(claims.customer_id)  # the socket's allowance, shared
    async with db.transaction() as s:
        customer = await service.customer_for_claims(s, claims)
        msg, conv, created = await conversations.post_buyer_message(s, customer, body.text, body.client_msg_id,
                                                                    body.lang, body.attachment_id)
        return {"message": message_out(msg, internal=False), "conversation_id": conv.id, "duplicate": not created}


class HandoffIn(BaseModel):
    client_msg_id: str | None = Field(default=None, max_length=64)
    lang: str | None = Field(default=None, max_length=8)


@router.post("/handoff", status_code=201)
async def request_human(body: HandoffIn, claims: VisitorClaims = Depends(current_visitor),
                        db: Database = Depends(get_db)):
    """The 转人工 / Talk to a person button (over HTTP when the socket is down): answered with the system line."""
    limits.buyer_messages.take(claims.customer_id)
    async with db.transaction() as s:
        customer = await service.customer_for_claims(s, claims)
        msg, conv, created = await conversations.request_human(s, customer, body.client_msg_id, body.lang)
        return {"message": message_out(msg, internal=False), "conversation_id": conv.id, "duplicate": not created}


@router.post("/conversations/{conversation_id}/read")
async def read(conversation_id: PathId, body: ReadIn, claims: VisitorClaims = Depends(current_visitor),
               db: Database = Depends(get_db)):
    async with db.transaction() as s:
        customer = await service.customer_for_claims(s, claims)
        conv = await conversations.buyer_conversation(s, customer, conversation_id)
        await conversations.mark_read(s, conv, "buyer", body.seq)
        return {"buyer_read_seq": conv.buyer_read_seq}


@router.get("/events")
async def events(after: After = 0, claims: VisitorClaims = Depends(current_visitor), db: Database = Depends(get_db)):
    """Resync over HTTP: everything of this buyer's since event id ``after``."""
    async with db.transaction() as s:
        await service.customer_for_claims(s, claims)
        batch = await events_after(s, claims.shop_id, after)
    visible = [v for v in (for_buyer(ev, claims.customer_id) for ev in batch) if v is not None]
    return {"events": visible, "last_event_id": batch[-1]["id"] if batch else after}
