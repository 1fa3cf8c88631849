"""Compensation offered on an after-sale case or complaint — a coupon, a small gift, a shipping refund, a partial
refund — and the authority each role has to offer it without asking (per case and per day, set by the admin).
Beyond it a grant is a request a supervisor approves or rejects. Money is in fen (分)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, TimestampMixin


class AuthorityLimits(Base):
    """The admin's limits per role (kefu.compensation.rules). No row: the defaults."""

    __tablename__ = "compensation_limits"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    limits: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)


class Compensation(TimestampMixin, Base):
    """One compensation: ``granted`` at once within the agent's authority, or ``pending`` until a supervisor
    ``approved`` (then granted) or ``rejected`` it. ``day`` is the shop-local date it counts against."""

    __tablename__ = "compensations"
    __table_args__ = (
        Index("ix_compensations_shop_status", "shop_id", "status"),
        Index("ix_compensations_case", "case_id"),
        Index("ix_compensations_agent_day", "agent_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("aftersale_cases.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(24))  # coupon / gift / shipping_refund / partial_refund
    amount_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # granted / pending / approved / rejected
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    agent_role: Mapped[str] = mapped_column(String(32), default="agent")
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the shop's time zone
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
