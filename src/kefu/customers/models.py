from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, TimestampMixin


class Customer(TimestampMixin, Base):
    """A buyer. Anonymous widget visitors get a visitor_id; phone and VIP level come from the shop."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "visitor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    visitor_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # ticket mail (kefu.notifications)
    vip_level: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The buyer asked to be forgotten (kefu.privacy): profile emptied, words deleted, token no longer valid.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
