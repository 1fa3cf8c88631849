"""Reacting to tickets (kefu.tickets.events) and the bell's live socket.

The hook runs inside the ticket's transaction. It only writes rows (bell lines, deliveries, their timers) under a
savepoint: if queueing fails, that part is undone and logged, and the ticket change itself still commits."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.service import agent_for_token
from kefu.core import events, realtime
from kefu.core.auth import SESSION_COOKIE
from kefu.notifications import service
from kefu.tickets.events import Change, on_ticket

log = logging.getLogger(__name__)
router = APIRouter()


@on_ticket
async def tickets_changed(session: AsyncSession, changes: list[Change]) -> None:
    try:
        async with events.savepoint(session):
            await service.ticket_events(session, changes)
    except Exception:  # a notification never costs the ticket change its commit
        log.exception("notifications for ticket %s (%s%s) were not queued", changes[0].ticket.number,
                      changes[0].kind, f" and {len(changes) - 1} more" if len(changes) > 1 else "")


@router.websocket("/ws/notifications")
async def bell_socket(ws: WebSocket) -> None:
    """The bell's own socket on every staff page: only this agent's ``notification.created`` events pass (the
    workspace socket carries them too, as it carries ``ticket.sla_warning``). It starts from now; the bell reads
    the list over REST whenever the socket is (re)connected, so nothing is missed while it was down."""
    db = ws.app.state.db
    async with db.transaction() as s:
        agent = await agent_for_token(s, ws.cookies.get(SESSION_COOKIE))
    origin = ws.headers.get("origin")
    if agent is None or (origin is not None and urlsplit(origin).netloc != ws.headers.get("host")):
        await ws.close(code=realtime.CLOSE_POLICY, reason="not logged in" if agent is None else "bad origin")
        return
    await ws.accept()
    me = agent.id

    def mine(ev: dict) -> dict | None:
        return ev if ev.get("type") == service.LIVE_EVENT and (ev.get("data") or {}).get("agent_id") == me else None

    async def head() -> int:
        async with db.transaction() as s:
            return await events.last_event_id(s, agent.shop_id)

    async def replay(after: int) -> list[dict]:
        return []  # nothing before "now": the REST list covers it

    async def nothing(frame: dict) -> None:
        return None

    # Not a full view even for supervisors: the bell needs no chat traffic, only events every staff socket gets.
    conn = realtime.Connection(ws, agent.shop_id, mine, agent_id=me, full_view=False)
    await realtime.serve(conn, replay, head, set(), nothing)
