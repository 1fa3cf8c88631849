"""The audit log: one row per thing a person (or the system) did to buyer data, settings or accounts — who,
from which address, when, what, to what. Append-only: the code never changes or deletes a row, and the
database refuses to (triggers made by migration 0026; only the SET NULL of a deleted agent's id passes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, BigId


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_shop_at", "shop_id", "at"),
        Index("ix_audit_entries_shop_action", "shop_id", "action"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None: a failed login under a name no shop has
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    actor: Mapped[str] = mapped_column(String(64))  # the username then, "system" or "unknown"
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
