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
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    func,
    inspect,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.agents.models import Agent
from kefu.conversations.rules import OPEN_STATUSES
from kefu.core.db import Base, BigId, TimestampMixin
from kefu.customers.models import Customer

STATUSES = ("waiting", "assigned", "closed")
SENDERS = ("buyer", "agent", "bot", "system")


class Conversation(TimestampMixin, Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_shop_status", "shop_id", "status"),
                      Index("ix_conversations_shop_customer", "shop_id", "customer_id"))

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
    # When the shop's retention rule or the buyer's erasure took its words (kefu.privacy): None while whole.
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


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


def conversation_list(shop_id: int, status: str | None, assignee_id: int | None, limit: int) -> Select:
    """A shop's conversations with customer and assignee, most recent first; status "open": waiting or assigned."""
    c = Conversation
    stmt = select(c, Customer, Agent).join(Customer, Customer.id == c.customer_id) \
        .outerjoin(Agent, Agent.id == c.assignee_id).where(c.shop_id == shop_id)
    if status:
        stmt = stmt.where(c.status.in_(OPEN_STATUSES) if status == "open" else c.status == status)
    if assignee_id is not None:
        stmt = stmt.where(c.assignee_id == assignee_id)
    return stmt.order_by(c.last_message_at.desc().nulls_last(), c.id.desc()).limit(limit)


def message_list(conversation_id: int, include_private: bool, after_seq: int, limit: int) -> Select:
    """A conversation's messages after ``after_seq`` in order, each with its agent's name."""
    stmt = select(Message, Agent.display_name).outerjoin(Agent, Agent.id == Message.agent_id) \
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
    if not include_private:
        stmt = stmt.where(Message.private.is_(False))
    return stmt.order_by(Message.seq).limit(limit)


# --- the reads of the chat's write path (kefu.conversations.service), one statement each ------------------

def locked_read(shop_id: int, *where, client_msg_id: str | None = None) -> Select:
    """Lock the (newest) conversation matching ``where`` and read it with its customer and assignee, for the
    event payload. With ``client_msg_id``: also the id of its message stored under it and its highest seq,
    read under the statement's snapshot (trustworthy only if that seq is still the row's last_seq)."""
    c = Conversation
    cols = [c, Customer, Agent]
    if client_msg_id is not None:
        cols += [select(Message.id).where(Message.conversation_id == c.id, Message.client_msg_id == client_msg_id)
                 .scalar_subquery(), select(func.max(Message.seq)).where(Message.conversation_id == c.id)
                 .scalar_subquery()]
    return (select(*cols).join(Customer, Customer.id == c.customer_id).outerjoin(Agent, Agent.id == c.assignee_id)
            .where(c.shop_id == shop_id, *where).order_by(c.id.desc()).limit(1)
            .with_for_update(of=c).execution_options(populate_existing=True))


# The hot path's statements, built once with bound parameters: building a statement and its cache key
# costs more than running it on SQLite. Parameters: shop, conv / customer, cmid.
LOCKED_BY_ID = {with_cmid: locked_read(bindparam("shop"), Conversation.id == bindparam("conv"),
                                       client_msg_id=bindparam("cmid") if with_cmid else None)
                for with_cmid in (False, True)}


def buyer_view(shop_id: int, customer_id: int, client_msg_id: str | None, whole: bool = False) -> Select:
    """Unlocked: the buyer's open conversation (or None) and the id of the message any of their conversations,
    closed ones too, stored under ``client_msg_id`` (or None). ``whole``: with the customer and the assignee
    too, for the event payload (SQLite, where nobody else writes inside a transaction: the read is final)."""
    c = Conversation
    dup = null()
    if client_msg_id is not None:
        # by the buyer alone (a buyer belongs to one shop): with the shop in the filter too, SQLite may walk
        # the shop's index, i.e. every conversation the shop ever had, for each message
        theirs = select(c.id).where(c.customer_id == customer_id)
        dup = select(Message.id).where(Message.conversation_id.in_(theirs), Message.client_msg_id == client_msg_id) \
            .limit(1).scalar_subquery()
    open_ = and_(c.customer_id == Customer.id, c.shop_id == Customer.shop_id, c.status.in_(OPEN_STATUSES))
    cols = [Customer.id, c, dup.label("dup")] + ([Customer, Agent] if whole else [])
    stmt = select(*cols).outerjoin(c, open_)
    if whole:
        stmt = stmt.outerjoin(Agent, Agent.id == c.assignee_id)
    return stmt.where(Customer.id == customer_id, Customer.shop_id == shop_id).order_by(c.id.desc()).limit(1)


BUYER_VIEW = {(with_cmid, whole): buyer_view(bindparam("shop"), bindparam("customer"),
                                             bindparam("cmid") if with_cmid else None, whole)
              for with_cmid in (False, True) for whole in (False, True)}


# --- chat lines stored together (kefu.chatlines.service.store_lines): Core, no ORM objects -------------------

def lines_read(conversation_ids: list[int], customer_ids: list[int]) -> Select:
    """Lock, in id order, those of these conversations and of these buyers' that an agent serves (status
    assigned: never a waiting chat, which the router locks in its own order), each with customer and assignee."""
    c, cu, a = Conversation.__table__, Customer.__table__, Agent.__table__
    found = [c.c.id.in_(conversation_ids or [-1]), c.c.customer_id.in_(customer_ids or [-1])]
    return (select(c, cu, a).join(cu, cu.c.id == c.c.customer_id).outerjoin(a, a.c.id == c.c.assignee_id)
            .where(c.c.status == "assigned", or_(*found)).order_by(c.c.id).with_for_update(of=c))


def lines_stored(client_msg_ids: list[str], conversation_ids: list[int], customer_ids: list[int]) -> Select:
    """Messages already stored under these client_msg_ids in these conversations or any of these buyers'."""
    c, m = Conversation.__table__, Message.__table__
    return (select(c.c.customer_id, m.c.conversation_id, m.c.client_msg_id).join(c, c.c.id == m.c.conversation_id)
            .where(m.c.client_msg_id.in_(client_msg_ids),
                   or_(c.c.id.in_(conversation_ids or [-1]), c.c.customer_id.in_(customer_ids or [-1]))))


def columns_of(model) -> list[tuple[str, object]]:
    """(attribute, Column) of a mapped class: a Core row read back as the attributes the ORM would give."""
    return [(prop.key, prop.columns[0]) for prop in inspect(model).column_attrs]
