"""Named conversation events and what a buyer may see of them."""

from __future__ import annotations

CONVERSATION_CREATED = "conversation.created"
CONVERSATION_UPDATED = "conversation.updated"
MESSAGE_CREATED = "message.created"
CONVERSATION_READ = "conversation.read"
TYPING = "typing"

_BUYER_CONVERSATION_KEYS = ("id", "status", "assignee_name", "last_seq", "agent_read_seq", "buyer_read_seq",
                            "created_at", "closed_at")


_STAFF_ONLY_DATA = ("routing",)  # the writer's note to the router


def for_buyer(ev: dict, customer_id: int) -> dict | None:
    """The buyer's view of an event, or None when it is not theirs to see."""
    if ev.get("customer_id") != customer_id or ev.get("private"):
        return None
    data = {k: v for k, v in (ev.get("data") or {}).items() if k not in _STAFF_ONLY_DATA}
    if "conversation" in data:
        conv = {k: data["conversation"].get(k) for k in _BUYER_CONVERSATION_KEYS}
        data = {**data, "conversation": conv}
    if "message" in data:
        if data["message"].get("private"):
            return None
        data = {**data, "message": {k: v for k, v in data["message"].items() if k != "analysis"}}  # keeps "bot"
    return {**ev, "data": data}
