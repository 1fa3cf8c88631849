"""After-sale cases (售后单) and the shop's after-sale policy. A case is opened from a chat, a ticket or an order;
kind is one of kefu.aftersales.rules.KINDS or ``complaint`` (kefu.complaints walks its stages). The order as it
was when the case opened and the policy in force then are kept on the case, so a later policy change applies
to new cases only. Money is in fen (分)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, ChangeMixin, TimestampMixin


class AftersalePolicy(Base):
    """The shop's policy as the admin set it (kefu.aftersales.rules.check_policy), with its version: a case
    records the version it was decided under. No row: rules.DEFAULT_POLICY, version 0."""

    __tablename__ = "aftersale_policies"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    policy: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)


class AftersaleCase(TimestampMixin, Base):
    __tablename__ = "aftersale_cases"
    __table_args__ = (
        UniqueConstraint("number"),
        Index("ix_aftersale_cases_shop_status", "shop_id", "status"),
        Index("ix_aftersale_cases_shop_customer", "shop_id", "customer_id"),
        Index("ix_aftersale_cases_conversation", "conversation_id"),
        Index("ix_aftersale_cases_ticket", "ticket_id"),
        Index("ix_aftersale_cases_shop_order", "shop_id", "order_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24), default="open")
    reason: Mapped[str] = mapped_column(String(24), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"),
                                                        nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True)
    order_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    order: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # the order's facts when the case opened
    policy: Mapped[dict] = mapped_column(JSON)  # the policy in force when the case opened
    policy_version: Mapped[int] = mapped_column(Integer, default=0)
    return_shipping_fen: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # rules.explain's answer, as confirmed
    refund_fen: Mapped[int] = mapped_column(Integer, default=0)
    responsibility: Mapped[str | None] = mapped_column(String(16), nullable=True)  # buyer/seller/courier/platform
    responsibility_note: Mapped[str] = mapped_column(Text, default="")
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    override_note: Mapped[str] = mapped_column(Text, default="")
    # platform intervention (小二介入): the platform's reference and the deadline it set
    platform_ref: Mapped[str] = mapped_column(String(64), default="")
    platform_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # a complaint's stage and what each stage recorded (kefu.complaints)
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    stage_data: Mapped[dict] = mapped_column(JSON, default=dict)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseChange(ChangeMixin, Base):
    """The case's audit trail: one row per change (who, when, field, before → after), append-only. Compensation
    grants and decisions and complaint stages leave their rows here too."""

    __tablename__ = "aftersale_case_changes"
    __table_args__ = (Index("ix_aftersale_case_changes_case", "case_id", "id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("aftersale_cases.id", ondelete="CASCADE"))
