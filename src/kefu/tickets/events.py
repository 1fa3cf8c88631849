"""What happens to a ticket, for other domains (notifications, the error ledger, …) to act on in the same
transaction as the change: they register with ``on_ticket`` and are called by the tickets service after the
change is flushed. A hook that raises rolls the change back, so a hook that talks to the outside world must
only queue work (rows, timers) here and do the talking later.

Kinds: ``created``, ``status`` (data: before, after), ``assigned`` (data: before, after agent ids),
``replied`` (a reply the buyer sees; data: note_id, text), ``noted`` (internal note), ``buyer_message``
(data: text), ``sla_warning`` / ``sla_breached`` (data: clock, due_at), ``merged`` (data: into)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from kefu.tickets.models import Ticket

Hook = Callable[["AsyncSession", str, "Ticket", dict[str, Any]], Awaitable[None]]
_hooks: list[Hook] = []

KINDS = ("created", "status", "assigned", "replied", "noted", "buyer_message", "sla_warning", "sla_breached",
         "merged")


def on_ticket(fn: Hook) -> Hook:
    """Register ``fn(session, kind, ticket, data)``; registering the same function twice keeps one."""
    if fn not in _hooks:
        _hooks.append(fn)
    return fn


async def emit(session: AsyncSession, kind: str, ticket: Ticket, data: dict[str, Any] | None = None) -> None:
    for fn in list(_hooks):
        await fn(session, kind, ticket, data or {})
