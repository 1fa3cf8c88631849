from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, TimestampMixin


class Shop(TimestampMixin, Base):
    """A tenant. Every other row carries shop_id and every query is scoped by it."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
