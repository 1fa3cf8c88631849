"""The platform's deadline on a case (小二介入), watched like an SLA: the assignee is warned 2 h before it, and the
case is marked overdue at it (supervisors told). Each timer acts once, and only for the deadline still set on a
case not yet done (a new deadline re-arms both; kefu.aftersales.service.set_platform)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.aftersales import rules
from kefu.aftersales.events import audit, emit
from kefu.aftersales.models import AftersaleCase
from kefu.aftersales.schemas import case_out
from kefu.aftersales.service import DUE_TIMER, EVENT, WARN_TIMER
from kefu.core import events
from kefu.core.clock import as_utc, iso, now
from kefu.core.scheduler import Timer, handles


async def platform_timer(s: AsyncSession, case_id: int, due_at: str, overdue: bool) -> None:
    case = await s.get(AftersaleCase, case_id, with_for_update=True, populate_existing=True)
    if case is None or case.status in rules.FINAL or iso(as_utc(case.platform_due_at)) != due_at:
        return
    field = "platform_overdue" if overdue else "platform_warning"
    audit(s, case, None, field, None, due_at)
    case.updated_at = now()
    await s.flush()
    out = case_out(case)
    await events.record(s, case.shop_id, f"case.{field}", {
        "case": out, "assignee_id": case.assignee_id, "notify": "supervisors" if overdue else "assignee"},
        private=True)
    await events.record(s, case.shop_id, EVENT, {"case": out, "change": field}, private=True,
                        conversation_id=case.conversation_id)
    await emit(s, field, case, {"due_at": due_at})


@handles(WARN_TIMER)
async def platform_warning(session: AsyncSession, timer: Timer) -> None:
    await platform_timer(session, int(timer.payload["case_id"]), timer.payload["due_at"], overdue=False)


@handles(DUE_TIMER)
async def platform_overdue(session: AsyncSession, timer: Timer) -> None:
    await platform_timer(session, int(timer.payload["case_id"]), timer.payload["due_at"], overdue=True)
