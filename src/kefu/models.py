"""Imports every model so that Base.metadata (and Alembic) sees all tables."""

from kefu.agents.models import Agent, AgentSession
from kefu.conversations.models import Conversation, Message
from kefu.core.events import Event
from kefu.core.scheduler import Timer
from kefu.customers.models import Customer
from kefu.handoffs.models import Handoff
from kefu.shops.models import Shop

__all__ = ["Agent", "AgentSession", "Conversation", "Customer", "Event", "Handoff", "Message", "Shop", "Timer"]
