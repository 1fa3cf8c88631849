from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, TimestampMixin


class Shop(TimestampMixin, Base):
    """A tenant. Every other row carries shop_id and every query is scoped by it."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # sites allowed to frame the buyer widget ("https://shop.example.com"); empty: any (kefu.shops.rules)
    embed_origins: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
