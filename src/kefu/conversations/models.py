from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, BigId, TimestampMixin

STATUSES = ("waiting", "assigned", "closed")
SENDERS = ("buyer", "agent", "bot", "system")


class Conversation(TimestampMixin, Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_shop_status", "shop_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True,
                                                    index=True)
    group: Mapped[str | None] = mapped_column("group_name", String(32), nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="widget")
    # The buyer widget's language when the conversation opened (zh / en): kefu's automatic messages use it.
    lang: Mapped[str] = mapped_column(String(8), default="zh", server_default="zh")
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    agent_unread: Mapped[int] = mapped_column(Integer, default=0)
    agent_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    buyer_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_preview: Mapped[str] = mapped_column(String(120), default="")
    # What message understanding made of the buyer so far; routing reads these.
    intent: Mapped[str | None] = mapped_column(String(32), nullable=True)
    intent_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    emotion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    anger: Mapped[float] = mapped_column(Float, default=0.0)
    abusive: Mapped[bool] = mapped_column(Boolean, default=False)
    # The buyer's last lines (rules.next_context), read with a new one; None in rows from before 0014.
    buyer_context: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # Routing: when the automatic greeting went out, and whether the chat is escalated.
    greeted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # A transfer to a group: it waits for that group only (group_pinned) and is never routed back to the agent
    # who sent it (transferred_by_id). announced_agent_id: whose "客服X为您服务" line the buyer saw last.
    group_pinned: Mapped[bool] = mapped_column(Boolean, default=False)  # server default: 0009
    transferred_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    announced_agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Message(TimestampMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_msg_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    client_msg_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    analysis: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # An image the message carries: a copy of its attachment's metadata (kefu.attachments), None for text.
    attachment: Mapped[dict | None] = mapped_column(JSON, nullable=True)
