"""The ledger follows its tickets (kefu.tickets.events): a reply the buyer sees on a ticket is a progress
update for every open entry of that ticket; an entry owned by the ticket's assignee follows the ticket when
it is reassigned; a ticket merged into another hands its entries to that one (where the buyer's replies
now go). Same transaction as the ticket's change."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.ledger import rules, service
from kefu.tickets import service as tickets
from kefu.tickets.events import Change, on_ticket
from kefu.tickets.models import Ticket


@on_ticket
async def follow_tickets(s: AsyncSession, changes: list[Change]) -> None:
    for kind, ticket, data in changes:
        await _follow(s, kind, ticket, data)


async def _follow(s: AsyncSession, kind: str, ticket: Ticket, data: dict) -> None:
    if kind == "replied":
        text = rules.shorten(str(data.get("text") or ""), rules.UPDATE_CHARS) or "—"
        for e in await service.open_on_ticket(s, ticket.id):
            await service.record_update(s, e, "reply", text, data.get("agent_id"))
    elif kind == "assigned" and data.get("after") is not None:
        for e in await service.open_on_ticket(s, ticket.id):
            if e.owner_id == data.get("before"):
                e.owner_id = data["after"]
    elif kind == "merged" and data.get("into"):
        entries = await service.open_on_ticket(s, ticket.id)
        if entries:
            into = await tickets.get(s, ticket.shop_id, str(data["into"]))
            for e in entries:
                e.ticket_id = into.id
