"""The weekly ticket review's reads: one shop, one ISO week. Three queries whatever the number of tickets: the
tickets active in the week (with their chat's intent), the audit rows of those tickets up to the week's end
(one pass), and the shop's agents (for their groups); kefu.analytics.rules does the rest. Nothing is written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.analytics import rules
from kefu.conversations.models import Conversation
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import BadInput
from kefu.sla import rules as sla
from kefu.sla.service import calendar
from kefu.tickets.models import Ticket, TicketChange

FIELDS = ("status", "assignee_id", "sla_breached")  # the audit rows the review reads


def week(cal: sla.Calendar, text: str | None, at: datetime) -> sla.Week:
    """The ISO week asked for (default: the last complete one, in the shop's time zone), or a clear 422."""
    try:
        return sla.parse_week(text, at, cal)
    except ValueError as exc:
        zh, en = exc.args[0]
        raise BadInput(zh, en, code="bad_week") from None


def _active(shop_id: int, start: datetime, until: datetime):
    """Tickets that lived in [start, until): opened before its end, not closed before its start, and not
    resolved before it and left so (a ticket resolved long ago and never closed is not this week's)."""
    return and_(Ticket.shop_id == shop_id, Ticket.created_at < until,
                or_(Ticket.closed_at.is_(None), Ticket.closed_at >= start),
                or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= start, Ticket.closed_at.is_not(None)))


async def weekly(s: AsyncSession, shop_id: int, week_text: str | None = None) -> dict:
    at = now()
    cal = await calendar(s, shop_id)
    wk = week(cal, week_text, at)
    until = min(wk.end, at)
    where = _active(shop_id, wk.start, until)
    rows = (await s.execute(
        select(Ticket.id, Ticket.number, Ticket.title, Ticket.kind, Ticket.priority, Ticket.status,
               Ticket.created_at, Ticket.assignee_id, Ticket.tags, Ticket.first_responded_at, Conversation.intent)
        .outerjoin(Conversation, Conversation.id == Ticket.conversation_id).where(where).order_by(Ticket.id))).all()
    tickets = [rules.TicketRow(id=r.id, number=r.number, title=r.title, kind=r.kind, priority=r.priority,
                               status=r.status, created_at=as_utc(r.created_at), assignee_id=r.assignee_id,
                               tags=tuple(str(x) for x in (r.tags or [])),
                               first_responded_at=as_utc(r.first_responded_at), intent=r.intent) for r in rows]
    changes: dict[int, list[rules.ChangeRow]] = {}
    for c in (await s.execute(
            select(TicketChange.ticket_id, TicketChange.at, TicketChange.field, TicketChange.before,
                   TicketChange.after)
            .where(TicketChange.shop_id == shop_id, TicketChange.field.in_(FIELDS), TicketChange.at < until,
                   TicketChange.ticket_id.in_(select(Ticket.id).where(where)))
            .order_by(TicketChange.ticket_id, TicketChange.id))).all():
        changes.setdefault(c.ticket_id, []).append(rules.ChangeRow(c.ticket_id, as_utc(c.at), c.field, c.before,
                                                                   c.after))
    team = {a.id: a for a in (await s.execute(select(Agent.id, Agent.display_name, Agent.group)
                                              .where(Agent.shop_id == shop_id))).all()}
    report = rules.review(tickets, changes, wk, at, cal, {i: a.group for i, a in team.items()})
    names = {i: a.display_name for i, a in team.items()}
    for item in (*report["time"]["stalled"], *report["breaches"]["items"]):
        item["owner_name"] = names.get(item["owner"]) if item["owner"] is not None else None
    for item in report["breaches"]["items"]:
        item["at"] = iso(item["at"])
    (first, last), (prev, nxt) = wk.days, sla.neighbours(wk, at, cal)
    return {"week": {"id": wk.id, "start": iso(wk.start), "end": iso(wk.end), "first_day": first.isoformat(),
                     "last_day": last.isoformat(), "tz": cal.tz, "partial": at < wk.end, "prev": prev, "next": nxt,
                     "generated_at": iso(at)},
            **report}
