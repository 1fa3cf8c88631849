from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, BigId, TimestampMixin


class LedgerEntry(TimestampMixin, Base):
    """A seller-side error (失误) logged against its ticket, with who follows it up, which department caused
    it and why. While open, the buyer must hear about progress every 2 business hours: the next update's due
    time is stored (``next_update_due_at``, empty once resolved) and moved by every update the buyer gets."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_shop_status", "shop_id", "status", "next_update_due_at"),
        Index("ix_ledger_entries_shop_created", "shop_id", "created_at"),
        Index("ix_ledger_entries_ticket", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    department: Mapped[str] = mapped_column(String(32))
    cause: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / resolved
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    last_update_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    next_update_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updates: Mapped[int] = mapped_column(Integer, default=0)  # progress updates the buyer received
    missed: Mapped[int] = mapped_column(Integer, default=0)  # updates that fell due without one (reminders sent)
    reminded_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LedgerUpdate(TimestampMixin, Base):
    """One progress update the buyer received: a public reply on the ticket, or one recorded by hand (a phone
    call, a text message …)."""

    __tablename__ = "ledger_updates"
    __table_args__ = (Index("ix_ledger_updates_entry", "entry_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"))
    via: Mapped[str] = mapped_column(String(16))  # reply / phone / chat / sms / other
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
