"""Knowledge articles (every version kept), reply templates, synonym groups and the FAQ bot's log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, BigId, TimestampMixin, utcnow

INTENTS = ("presale", "logistics", "order_change", "cancel", "return", "exchange", "refund", "repair", "quality",
           "wrong_item", "price", "invoice", "payment", "complaint", "other")
SCENES = ("greeting", "please_wait", "apology", "return_policy", "exchange_policy", "refund_progress", "logistics",
          "presale", "invoice", "payment_reminder", "escalation", "complaint", "closing", "survey", "other")


class Article(TimestampMixin, Base):
    """The current version of a knowledge article. `embedding` holds one float16 vector per question
    (title first, then each variant), written by the service so the index never recomputes them."""

    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_shop_updated", "shop_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    intent: Mapped[str] = mapped_column(String(32), default="other")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    embedding_model: Mapped[str] = mapped_column(String(64), default="")


class ArticleVersion(Base):
    """A snapshot of an article as it was saved; version 1 is the creation."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(String(200), default="")
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReplyTemplate(TimestampMixin, Base):
    """A reply template (话术) inserted from the reply box with "/" + shortcut; {变量} filled per conversation."""

    __tablename__ = "kb_templates"
    __table_args__ = (UniqueConstraint("shop_id", "shortcut"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    scene: Mapped[str] = mapped_column(String(32), default="other")
    title: Mapped[str] = mapped_column(String(120))
    shortcut: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)


class SynonymGroup(TimestampMixin, Base):
    """Words a shop treats as the same for search (退款 / 退钱). The first word is the canonical one."""

    __tablename__ = "kb_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    words: Mapped[list[str]] = mapped_column(JSON, default=list)


class KbState(Base):
    """One row per shop: `revision` grows on every knowledge write so each process knows when its
    in-memory search index is stale (another process wrote) and rebuilds it."""

    __tablename__ = "kb_state"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class BotLog(Base):
    """What the FAQ bot did in a conversation: answered / clarified / handoff, and buyers' ratings."""

    __tablename__ = "kb_bot_log"
    __table_args__ = (Index("ix_kb_bot_log_shop_conv", "shop_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32), default="")
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id", ondelete="SET NULL"), nullable=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    query: Mapped[str] = mapped_column(String(500), default="")
    options: Mapped[list[int]] = mapped_column(JSON, default=list)
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    message_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # the bot's chat line
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
