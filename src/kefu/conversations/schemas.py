from __future__ import annotations

from pydantic import BaseModel, Field

from kefu.agents.models import Agent
from kefu.attachments.rules import public as attachment_public
from kefu.conversations.models import Conversation, Message
from kefu.core.clock import iso
from kefu.core.validation import Count, Id
from kefu.customers.models import Customer
from kefu.customers.service import customer_out
from kefu.privacy import rules as privacy


class MessageIn(BaseModel):
    text: str | None = Field(default=None, description="message body, 1-5000 characters (optional with an image)")
    client_msg_id: str | None = Field(default=None, max_length=64,
                                      description="client-chosen id; a repeat is stored once")
    private: bool = Field(default=False, description="agents only: a private note the buyer never sees")
    attachment_id: str | None = Field(default=None, max_length=64,
                                      description="an image uploaded by the sender (POST .../attachments) to send")


class BuyerMessageIn(MessageIn):
    lang: str | None = Field(default=None, description="the widget's language, zh (default) or en; a message that "
                             "opens a conversation sets the language of kefu's automatic messages to the buyer")


class ReadIn(BaseModel):
    seq: Count


class TransferIn(BaseModel):
    agent_id: Id


def message_out(m: Message, agent_name: str | None = None, *, internal: bool = True, whole: bool = False) -> dict:
    """``internal=False`` is the buyer's view: no analysis of their words. Staff (``internal``) see personal
    details masked (kefu.privacy.rules) unless ``whole``: the event log keeps the words whole, for the buyer,
    and the staff's sockets mask them on the way out."""
    out = {"id": m.id, "conversation_id": m.conversation_id, "seq": m.seq, "sender": m.sender,
           "agent_id": m.agent_id, "agent_name": agent_name, "text": m.text, "private": m.private,
           "client_msg_id": m.client_msg_id, "created_at": iso(m.created_at)}
    if m.attachment:
        out["attachment"] = attachment_public(m.attachment)
    if internal:
        out["analysis"] = m.analysis
    if m.analysis and "card" in m.analysis:  # an order, after-sale case or agreement card (kefu/web/static/js/cards.js)
        out["card"] = m.analysis["card"]
    if m.sender == "bot" and m.analysis and "bot" in m.analysis:
        out["bot"] = m.analysis["bot"]
    if m.analysis and privacy.REDACTED_MARK in m.analysis:  # the shop's retention rule or an erasure took it
        out["redacted"] = m.analysis[privacy.REDACTED_MARK]
    return privacy.mask_message(out) if internal and not whole else out


def conversation_out(c: Conversation, customer: Customer | None, assignee: Agent | None) -> dict:
    return {
        "id": c.id, "status": c.status, "group": c.group, "channel": c.channel, "lang": c.lang,
        "assignee_id": c.assignee_id, "assignee_name": assignee.display_name if assignee else None,
        "assignee_presence": assignee.presence if assignee else None,
        "customer": customer_out(customer) if customer else None,
        "waiting_since": iso(c.waiting_since), "first_message_at": iso(c.first_message_at),
        "first_response_at": iso(c.first_response_at), "last_message_at": iso(c.last_message_at),
        "closed_at": iso(c.closed_at), "created_at": iso(c.created_at), "last_seq": c.last_seq,
        "agent_unread": c.agent_unread, "agent_read_seq": c.agent_read_seq, "buyer_read_seq": c.buyer_read_seq,
        "last_preview": privacy.mask_text(c.last_preview), "intent": c.intent, "intent_confidence": c.intent_confidence,
        "emotion": c.emotion, "anger": c.anger, "abusive": c.abusive, "escalated": c.escalated,
    }


def buyer_conversation_out(c: Conversation, assignee: Agent | None) -> dict:
    """What a buyer may see of their own conversation: no internal counters or notes."""
    return {"id": c.id, "status": c.status, "assignee_name": assignee.display_name if assignee else None,
            "last_seq": c.last_seq, "agent_read_seq": c.agent_read_seq, "buyer_read_seq": c.buyer_read_seq,
            "created_at": iso(c.created_at), "closed_at": iso(c.closed_at)}
