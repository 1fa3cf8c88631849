from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base


class SlaSettings(Base):
    """A shop's SLA policy as the admin set it (kefu.sla.rules.settings_of / check_settings): business hours per
    weekday, holidays and make-up days, targets per ticket type and priority, the shop's own ticket types and
    its quick-response team. No row: the defaults."""

    __tablename__ = "sla_settings"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
