"""A shop's orders as kefu sees them. Shops without an order system keep them here (the built-in store: entered
by hand, imported from CSV, or the demo's); a shop with its own system points kefu at it (the HTTP connector) and
only its settings, the identity checks and the 催付 reminders it sent live here. Money is in fen (分)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, BigId, TimestampMixin


class Order(TimestampMixin, Base):
    """One order in the built-in store. ``buyer_ref`` is how the shop knows the buyer (its member id, or the
    widget's visitor id); ``customer_id`` links it to the buyer kefu knows once matched."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "number"),
        Index("ix_orders_shop_customer", "shop_id", "customer_id"),
        Index("ix_orders_shop_buyer_ref", "shop_id", "buyer_ref"),
        Index("ix_orders_shop_status", "shop_id", "status", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    buyer_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    buyer_name: Mapped[str] = mapped_column(String(64), default="")
    buyer_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    address: Mapped[str] = mapped_column(Text, default="")
    # unpaid / paid / shipped / delivered / completed / cancelled / refunded
    status: Mapped[str] = mapped_column(String(16))
    # [{"sku", "name", "qty", "price_fen", "category"}]
    items: Mapped[list] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(20), default="")  # the main item's category (policy exclusions)
    total_fen: Mapped[int] = mapped_column(Integer)  # what the buyer paid (or owes) for the goods
    shipping_fen: Mapped[int] = mapped_column(Integer, default=0)  # shipping the buyer paid
    promo_price_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a later promotion's price (补差价)
    payment_method: Mapped[str] = mapped_column(String(16), default="")
    carrier: Mapped[str] = mapped_column(String(32), default="")
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    # none / in_transit / delayed / delivered / returned / lost
    logistics_status: Mapped[str] = mapped_column(String(16), default="none")
    logistics_note: Mapped[str] = mapped_column(Text, default="")
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrderSettings(Base):
    """Where a shop's orders come from (``builtin`` or ``http``: base URL, token, timeout) and when an unpaid
    order is due a 催付 reminder. No row: the built-in store and the defaults."""

    __tablename__ = "order_settings"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)


class BuyerVerification(Base):
    """An identity check an agent made before seeing a buyer's orders in a chat: the phone's last four digits
    asked of the buyer (``ok`` whether they matched). The visitor who placed an order needs none."""

    __tablename__ = "buyer_verifications"
    __table_args__ = (Index("ix_buyer_verifications_conv", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    order_number: Mapped[str] = mapped_column(String(32), default="")
    method: Mapped[str] = mapped_column(String(16))  # phone_last4
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PaymentReminder(Base):
    """A 催付 reminder for one unpaid order: sent by an agent from the list, or automatically through the shop's
    order system (at most once per order: the unique key)."""

    __tablename__ = "payment_reminders"
    __table_args__ = (UniqueConstraint("shop_id", "order_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_number: Mapped[str] = mapped_column(String(32))
    via: Mapped[str] = mapped_column(String(16))  # chat / callback
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"),
                                                        nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
