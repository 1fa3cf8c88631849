"""What the complaint workflow adds beside the case (its stages live on AftersaleCase.stage / stage_data): the
follow-up visit (回访) after a complaint is resolved, and the buyer-type flags agents set with their evidence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, TimestampMixin


class FollowUp(TimestampMixin, Base):
    """A follow-up visit task: who calls the buyer back, by when, and what the buyer said."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_shop_open", "shop_id", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("aftersale_cases.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="")  # satisfied / unsatisfied / unreachable
    note: Mapped[str] = mapped_column(Text, default="")


class BuyerFlag(TimestampMixin, Base):
    """A buyer type an agent recognised (wronged 委屈 / venting 发泄 / malicious 恶意) with the evidence; every
    later agent sees it on the buyer's profile. Cleared flags stay for the record (``active`` false)."""

    __tablename__ = "buyer_flags"
    __table_args__ = (Index("ix_buyer_flags_customer", "shop_id", "customer_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"),
                                                        nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
