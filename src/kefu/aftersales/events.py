"""What happens to an after-sale case, for other domains (compensation, complaints, tickets, notifications …)
to act on in the same transaction: they register with ``on_case`` and are called with each change
(``CaseChange``: kind, case, data). A hook that raises rolls the change back; one that talks to the outside
world only queues work (rows, timers) here.

Kinds: ``opened``, ``confirmed`` (data: outcome), ``status`` (data: before, after), ``responsibility``,
``overridden``, ``compensation`` (data: compensation), ``stage`` (data: before, after), ``closed``.

The audit trail is written here too (``audit``, ``set_field``): every change leaves an append-only row (who,
when, field, before → after)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from kefu.aftersales.models import AftersaleCase, CaseChange
from kefu.core.clock import iso, now

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from kefu.agents.models import Agent


class Change(NamedTuple):
    kind: str
    case: AftersaleCase
    data: dict[str, Any]


Hook = Callable[["AsyncSession", Change], Awaitable[None]]
_hooks: list[Hook] = []


def on_case(fn: Hook) -> Hook:
    """Register ``fn(session, change)``; registering the same function twice keeps one."""
    if fn not in _hooks:
        _hooks.append(fn)
    return fn


async def emit(session: AsyncSession, kind: str, case: AftersaleCase, data: dict[str, Any] | None = None) -> None:
    for fn in list(_hooks):
        await fn(session, Change(kind, case, data or {}))


def _text(value) -> str | None:
    return None if value is None else iso(value) if isinstance(value, datetime) else str(value)


def audit(s: AsyncSession, case: AftersaleCase, agent: Agent | None, field: str, before, after,
          actor: str | None = None) -> None:
    """One audit row. ``actor``: agent / buyer / system (default: agent when one is given, else system)."""
    s.add(CaseChange(shop_id=case.shop_id, case_id=case.id, at=now(),
                     actor=actor or ("agent" if agent else "system"), agent_id=agent.id if agent else None,
                     field=field, before=_text(before), after=_text(after)))


def set_field(s: AsyncSession, case: AftersaleCase, agent: Agent | None, field: str, value) -> bool:
    """Change one field of the case, leaving an audit row when it really changes; True if it did."""
    before = getattr(case, field)
    if before == value:
        return False
    setattr(case, field, value)
    case.updated_at = now()
    audit(s, case, agent, field, before, value)
    return True
