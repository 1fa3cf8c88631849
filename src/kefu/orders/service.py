"""A shop's orders through one interface, whatever the source (being built for #13): the built-in store today;
the HTTP connector to a shop's own system plugs in behind the same functions. Other domains use only
``find_order`` / ``orders_of`` and the ``OrderView`` they return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.clock import iso
from kefu.customers.models import Customer
from kefu.orders.models import Order


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


def _view(o: Order) -> OrderView:
    return OrderView(number=o.number, status=o.status, total_fen=o.total_fen, shipping_fen=o.shipping_fen,
                     items=list(o.items or []), category=o.category, promo_price_fen=o.promo_price_fen,
                     payment_method=o.payment_method, carrier=o.carrier, tracking_number=o.tracking_number,
                     logistics_status=o.logistics_status, logistics_note=o.logistics_note, placed_at=o.placed_at,
                     paid_at=o.paid_at, shipped_at=o.shipped_at, delivered_at=o.delivered_at,
                     buyer_ref=o.buyer_ref, customer_id=o.customer_id, buyer_name=o.buyer_name,
                     buyer_phone=o.buyer_phone, address=o.address)


def belongs_to(order: OrderView, customer: Customer) -> bool:
    """Whether the order is this buyer's: linked to them, or placed under their visitor id."""
    return order.customer_id == customer.id or (order.buyer_ref is not None and order.buyer_ref == customer.visitor_id)


async def find_order(s: AsyncSession, shop_id: int, number: str) -> OrderView | None:
    o = await s.scalar(select(Order).where(Order.shop_id == shop_id, Order.number == number))
    return _view(o) if o is not None else None


async def orders_of(s: AsyncSession, customer: Customer, limit: int = 20) -> list[OrderView]:
    """The buyer's orders, newest first."""
    rows = await s.scalars(select(Order).where(Order.shop_id == customer.shop_id,
                                               or_(Order.customer_id == customer.id,
                                                   Order.buyer_ref == customer.visitor_id))
                           .order_by(Order.placed_at.desc()).limit(limit))
    return [_view(o) for o in rows]


def order_out(o: OrderView) -> dict:
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in asdict(o).items()}
