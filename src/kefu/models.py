"""Imports every model so that Base.metadata (and Alembic) sees all tables."""

from kefu.agents.models import Agent, AgentSession
from kefu.attachments.models import Attachment
from kefu.conversations.models import Conversation, Message
from kefu.core.events import Event
from kefu.core.scheduler import Timer
from kefu.customers.models import Customer
from kefu.handoffs.models import Handoff
from kefu.knowledge.models import Article, ArticleVersion, BotLog, KbState, ReplyTemplate, SynonymGroup
from kefu.quickreplies.models import QuickReplySet
from kefu.shops.models import Shop
from kefu.tickets.models import LookupCount, Ticket, TicketChange, TicketNote

__all__ = ["Agent", "AgentSession", "Article", "ArticleVersion", "Attachment", "BotLog", "Conversation", "Customer",
           "Event", "Handoff", "KbState", "LookupCount", "Message", "QuickReplySet", "ReplyTemplate", "Shop",
           "SynonymGroup", "Ticket", "TicketChange", "TicketNote", "Timer"]
