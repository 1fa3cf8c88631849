"""Request bodies of the orders API (ids bounded, texts capped; an order's own fields are checked by rules)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kefu.core.validation import Id


class VerifyIn(BaseModel):
    conversation_id: Id
    order_number: str | None = Field(default=None, max_length=32)
    last4: str = Field(min_length=4, max_length=4, pattern=r"^\d{4}$")


class CardIn(BaseModel):
    conversation_id: Id


class RemindIn(BaseModel):
    conversation_id: Id | None = None


class OrderIn(BaseModel):
    """One built-in order (rules.check_order checks its fields); ``customer_id`` links it to a buyer kefu knows."""

    order: dict[str, Any]
    customer_id: Id | None = None


class SettingsIn(BaseModel):
    """A field left out keeps its stored value."""

    mode: str = Field(default="builtin", max_length=16)
    base_url: str = Field(default="", max_length=500)
    token: str | None = Field(default=None, max_length=500)  # None keeps the stored token, "" clears it
    timeout: float = Field(default=3.0, ge=0, le=3600)  # rules.check_settings: 1–10 s
    remind_delay_minutes: int = Field(default=30, ge=0, le=10_000)  # rules.check_settings: 5–1440
    auto_remind: bool = False
