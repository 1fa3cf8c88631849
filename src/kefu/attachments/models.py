"""An uploaded file (an image) of a shop. A chat message or a ticket note carries it; after-sales can later too."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.core.db import Base, BigId, TimestampMixin


class Attachment(TimestampMixin, Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public id, in URLs and files on disk: secrets.token_urlsafe, never a counter.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="image")
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumb_width: Mapped[int] = mapped_column(Integer)
    thumb_height: Mapped[int] = mapped_column(Integer)
    # Who uploaded it: a buyer (customer_id) or an agent (agent_id).
    uploader: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=True,
                                                    index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    # The chat message that carries it (None until sent; one message per attachment).
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"),
                                                   nullable=True, index=True)
    # The ticket note (a reply, an internal note or the buyer's message) that carries it; a note carries several.
    ticket_note_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ticket_notes.id", ondelete="SET NULL"),
                                                       nullable=True, index=True)
    # The after-sale case it is evidence for (a buyer's photo of a wrong or broken item).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("aftersale_cases.id", ondelete="SET NULL"), nullable=True,
                                                index=True)
