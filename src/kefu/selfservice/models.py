from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base


class LookupCount(Base):
    """Attempts at the public status lookup in the current window, per caller address and per ticket number
    (a row per key, shared by every instance through the database)."""

    __tablename__ = "ticket_lookup_counts"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=0)
