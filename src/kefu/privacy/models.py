from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base


class PrivacySettings(Base):
    """A shop's retention rule: closed conversations older than ``retention_days`` are anonymised or their
    content deleted by the nightly pass (kefu.privacy.jobs); None keeps them for ever."""

    __tablename__ = "privacy_settings"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retention_mode: Mapped[str] = mapped_column(String(16), default="anonymise")
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_run: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # what the last pass did (counts)
