"""What happens to a ticket, for other domains (notifications, the error ledger, …) to act on in the same
transaction as the change: they register with ``on_ticket`` and are called with the transaction's changes
(``Change``: kind, ticket, data) — usually one, or a whole batch of SLA timers that fell due together, so a
hook can read what it needs once for all of them. A hook that raises rolls the change back, so a hook that
talks to the outside world must only queue work (rows, timers) here and do the talking later.

Kinds: ``created``, ``status`` (data: before, after), ``assigned`` (data: before, after agent ids),
``replied`` (a reply the buyer sees; data: note_id, text), ``noted`` (internal note), ``buyer_message``
(data: text), ``sla_warning`` / ``sla_breached`` (data: clock, due_at), ``merged`` (data: into),
``escalated``, ``quick_overdue`` (the quick-response team did not act in time).

The audit trail is written here too (``audit``, ``set_field``): every changed field leaves a row (who, when,
field, before → after)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from kefu.core.clock import iso, now
from kefu.tickets.models import Ticket, TicketChange

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from kefu.agents.models import Agent

class Change(NamedTuple):
    kind: str
    ticket: Ticket
    data: dict[str, Any]


Hook = Callable[["AsyncSession", list[Change]], Awaitable[None]]
_hooks: list[Hook] = []

KINDS = ("created", "status", "assigned", "replied", "noted", "buyer_message", "sla_warning", "sla_breached",
         "merged", "escalated", "quick_overdue")


def on_ticket(fn: Hook) -> Hook:
    """Register ``fn(session, changes)``; registering the same function twice keeps one."""
    if fn not in _hooks:
        _hooks.append(fn)
    return fn


async def emit(session: AsyncSession, kind: str, ticket: Ticket, data: dict[str, Any] | None = None) -> None:
    await emit_many(session, [Change(kind, ticket, data or {})])


async def emit_many(session: AsyncSession, changes: list[Change]) -> None:
    if changes:
        for fn in list(_hooks):
            await fn(session, changes)


def _text(value) -> str | None:
    return None if value is None else iso(value) if isinstance(value, datetime) else str(value)


def audit(s: AsyncSession, t: Ticket, agent: Agent | None, field: str, before, after) -> None:
    s.add(TicketChange(shop_id=t.shop_id, ticket_id=t.id, at=now(), actor="agent" if agent else "system",
                       agent_id=agent.id if agent else None, field=field, before=_text(before), after=_text(after)))


def set_field(s: AsyncSession, t: Ticket, agent: Agent | None, field: str, value) -> None:
    """Change one field of the ticket, leaving an audit row when it really changes."""
    before = getattr(t, field)
    if before != value:
        setattr(t, field, value)
        audit(s, t, agent, field, before, value)
