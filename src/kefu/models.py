"""Imports every model so that Base.metadata (and Alembic) sees all tables."""

from kefu.aftersales.models import AftersaleCase, AftersalePolicy, CaseChange
from kefu.agents.models import Agent, AgentSession, LoginThrottle
from kefu.attachments.models import Attachment
from kefu.audit.models import AuditEntry
from kefu.compensation.models import AuthorityLimits, Compensation
from kefu.complaints.models import BuyerFlag, FollowUp
from kefu.conversations.models import Conversation, Message
from kefu.core.events import Event
from kefu.core.scheduler import Timer
from kefu.customers.models import Customer
from kefu.handoffs.models import Handoff
from kefu.knowledge.models import Article, ArticleVersion, BotLog, KbState, ReplyTemplate, SynonymGroup
from kefu.ledger.models import LedgerEntry, LedgerUpdate
from kefu.notifications.models import Delivery, DeliveryAttempt, Notification, NotifySettings, WebhookEndpoint
from kefu.orders.models import BuyerVerification, Order, OrderSettings, PaymentReminder
from kefu.privacy.models import PrivacySettings
from kefu.quickreplies.models import QuickReplySet
from kefu.selfservice.models import LookupCount
from kefu.shops.models import Shop
from kefu.sla.models import SlaSettings
from kefu.tickets.models import Ticket, TicketChange, TicketNote

__all__ = ["Agent", "AgentSession", "Article", "ArticleVersion", "Attachment", "BotLog", "Conversation", "Customer",
           "Event", "Handoff", "KbState", "LookupCount", "Message", "QuickReplySet", "ReplyTemplate", "Shop",
           "SlaSettings", "SynonymGroup", "Ticket", "TicketChange", "TicketNote", "Timer"]
__all__ += ["Delivery", "DeliveryAttempt", "Notification", "NotifySettings", "WebhookEndpoint"]
__all__ += ["LedgerEntry", "LedgerUpdate"]
__all__ += ["AftersaleCase", "AftersalePolicy", "AuthorityLimits", "BuyerFlag", "BuyerVerification", "CaseChange",
            "Compensation", "FollowUp", "Order", "OrderSettings", "PaymentReminder"]
__all__ += ["LoginThrottle"]
__all__ += ["AuditEntry"]
__all__ += ["PrivacySettings"]
