"""One ordered list of quick replies per agent (their pins) and one per shop (agent_id NULL: the defaults)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, utcnow


class QuickReplySet(Base):
    """``items`` is a list of {"template_id": id} (a reply template of the shop, shown with its title) or
    {"label": ..., "text": ...} (a short line of the agent's own). An agent without a row uses the shop's
    defaults; a row with an empty list means they unpinned everything."""

    __tablename__ = "quick_reply_sets"
    __table_args__ = (UniqueConstraint("shop_id", "agent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), nullable=True)
    items: Mapped[list[dict]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
