"""The shapes of orders: ``OrderView`` (one order as every source reports it) and how it is read from the
built-in store or the shop's system and shown to agents; and the request bodies of the orders API (ids bounded,
texts capped; an order's own fields are checked by rules)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kefu.core.clock import as_utc, iso
from kefu.core.validation import Id
from kefu.orders import rules
from kefu.orders.models import Order
from kefu.privacy.rules import mask_address, mask_name, mask_phone


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


@dataclass
class OrderView:
    """One order as every source reports it. Money in fen."""

    number: str
    status: str
    total_fen: int
    shipping_fen: int = 0
    items: list[dict] = field(default_factory=list)
    category: str = ""
    promo_price_fen: int | None = None
    payment_method: str = ""
    carrier: str = ""
    tracking_number: str = ""
    logistics_status: str = "none"
    logistics_note: str = ""
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    buyer_ref: str | None = None
    customer_id: int | None = None
    buyer_name: str = ""
    buyer_phone: str | None = None
    address: str = ""


_VIEW_FIELDS = tuple(f.name for f in fields(OrderView))


def view_of(o: Order) -> OrderView:
    v = OrderView(**{k: getattr(o, k) for k in _VIEW_FIELDS})
    v.items = list(o.items or [])
    for k in ("placed_at", "paid_at", "shipped_at", "delivered_at"):
        setattr(v, k, as_utc(getattr(v, k)))
    return v


def order_out(o: OrderView) -> dict:
    """The order as agents see it: every field, the receiver masked — 张*, 138****1234, 浙江省杭州市西湖区****
    (POST /api/orders/{number}/reveal shows them, audited)."""
    out = {k: iso(v) if isinstance(v, datetime) else v for k, v in asdict(o).items()}
    out["buyer_phone"] = mask_phone(o.buyer_phone)
    out["buyer_name"], out["address"] = mask_name(o.buyer_name), mask_address(o.address)
    out["receiver_masked"] = bool(o.buyer_name or o.buyer_phone or o.address)
    return out


def parse_order(data) -> OrderView:
    checked = rules.check_order(data)
    return OrderView(**{k: v for k, v in checked.items() if k in _VIEW_FIELDS})


def parse_orders(data) -> list[OrderView]:
    orders = data["orders"]
    if not isinstance(orders, list):
        raise TypeError("orders is not a list")
    return [parse_order(o) for o in orders[:200]]
