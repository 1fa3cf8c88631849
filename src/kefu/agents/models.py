from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, TimestampMixin

ROLES = ("agent", "senior", "emotion_support", "supervisor", "trainer", "admin")
PRESENCES = ("online", "away", "break", "offline")
GROUPS = ("售前", "售后", "投诉")


class Agent(TimestampMixin, Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), default="agent")
    group: Mapped[str] = mapped_column("group_name", String(32), default="售前")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_chats: Mapped[int] = mapped_column(Integer, default=5)
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    presence_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    presence_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Last sign of life (login, socket, API call), written at most once a minute per process.
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Chats moved back to the queue while the agent was away, until the workspace has shown them.
    moved_unseen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AgentSession(TimestampMixin, Base):
    """A login. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins, counted per account (``user:<name>``, whether or not it exists) and per client address
    (``ip:<addr>``), with the time the key may try again (kefu.agents.rules.lock_for). Rows, not memory: every
    process sees the same counts."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
