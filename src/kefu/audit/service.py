"""Writing and reading the audit log.

``record(s, shop_id, agent, action, target, detail)`` adds one row in the caller's transaction, so an action
and its entry commit (or roll back) together. The caller's address comes from ``client_ip``, a ContextVar the
``AuditContext`` middleware sets for every HTTP request and WebSocket (behind a proxy it is the proxy's,
unless uvicorn trusts its X-Forwarded-For: see docs/audit.md). Rows are never changed or deleted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.audit import rules
from kefu.audit.models import AuditEntry
from kefu.core.clock import as_utc, iso, now
from kefu.core.db import Database
from kefu.core.errors import BadInput

changes, site = rules.changes, rules.site  # for callers building a detail
client_ip: ContextVar[str | None] = ContextVar("kefu_client_ip", default=None)
_scope: ContextVar[dict | None] = ContextVar("kefu_audit_scope", default=None)


class AuditContext:
    """Pure ASGI middleware: the caller's address for every HTTP request and WebSocket, in ``client_ip``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token, scope_token = client_ip.set(str(client[0])[:64] if client else None), _scope.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            client_ip.reset(token)
            _scope.reset(scope_token)


def acting() -> Agent | None:
    """The agent logged in on the request being served (kefu.core.auth keeps it on the request's state), for a
    verb that is not told who calls it; None outside a request (a command, a timer)."""
    state = (_scope.get() or {}).get("state")
    agent = state.get("agent") if isinstance(state, dict) else None
    return agent if isinstance(agent, Agent) else None


async def record(s: AsyncSession, shop_id: int | None, agent: Agent | None, action: str, target: str = "",
                 detail: dict | None = None, *, ip: str | None = None, actor: str | None = None) -> AuditEntry:
    """One entry, in the caller's transaction; ``agent`` None is the system itself (or ``actor``)."""
    entry = AuditEntry(shop_id=shop_id, at=now(), agent_id=agent.id if agent is not None else None,
                       actor=(agent.username if agent is not None else actor or rules.SYSTEM)[:64],
                       ip=(ip or client_ip.get() or "")[:64] or None, action=action[:48],
                       target=(target or "")[:120], detail=rules.scrub(detail or {}))
    s.add(entry)
    return entry


async def record_apart(db: Database, shop_id: int, agent: Agent | None, action: str, target: str = "",
                       detail: dict | None = None) -> None:
    """The same in a transaction of its own (for a route that reads without one, e.g. a streamed export)."""
    async with db.transaction() as s:
        await record(s, shop_id, agent, action, target, detail)


async def login_failed(s: AsyncSession, found: Agent | None, ip: str | None, reason: str) -> None:
    """A refused login. Under a name no shop has it belongs to no shop, and the name typed is not kept (people
    type their password into the name field)."""
    if found is None:
        await record(s, None, None, "login_failed", "login", {"reason": reason}, ip=ip, actor=rules.UNKNOWN)
        return
    reason = "disabled" if not found.active and reason == "bad_password" else reason
    await record(s, found.shop_id, found, "login_failed", f"agent:{found.id}", {"reason": reason}, ip=ip)


_refusals: dict[tuple[str, str | None], datetime] = {}  # (name, address) -> last recorded refusal, this process
REFUSAL_EVERY = timedelta(minutes=1)


async def login_refused(db: Database, found: Agent | None, name: str, ip: str | None) -> None:
    """A login refused because the account or the address is locked out: recorded in its own transaction (the
    refusal rolls the login's back), at most once a minute per name and address — a locked-out guesser
    hammering on cannot fill a table nobody may trim."""
    at, key = now(), (name, ip)
    if key in _refusals and at - _refusals[key] < REFUSAL_EVERY:
        return
    if len(_refusals) > 10_000:
        _refusals.clear()
    _refusals[key] = at
    async with db.transaction() as s:
        await login_failed(s, found, ip, "locked")


# ---------------------------------------------------------------- reading
@dataclass(frozen=True)
class Filters:
    action: str | None = None  # an action, or a family without a dot ("settings", "export", "login")
    agent_id: int | None = None
    since: date | None = None  # the shop's calendar days, both included
    until: date | None = None
    q: str | None = None  # free text over who, target and detail

    def out(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}


async def shop_tz(s: AsyncSession, shop_id: int) -> str:
    """The shop's time zone, from its SLA calendar: read from the settings row with the SLA's pure rules, not its
    service (which records into this log: the two would import each other)."""
    from kefu.sla.models import SlaSettings
    from kefu.sla.rules import policy_from

    row = await s.get(SlaSettings, shop_id)
    return policy_from(row.settings if row is not None else None).calendar.tz


async def conditions(s: AsyncSession, shop_id: int, f: Filters) -> list:
    try:
        start, end = rules.day_range(f.since, f.until, await shop_tz(s, shop_id))
    except ValueError as exc:
        zh, en = exc.args[0]
        raise BadInput(zh, en, code="bad_audit_range") from None
    conds = [AuditEntry.shop_id == shop_id]
    if f.action:
        conds.append(AuditEntry.action == f.action if "." in f.action else AuditEntry.action.startswith(f.action))
    if f.agent_id is not None:
        conds.append(AuditEntry.agent_id == f.agent_id)
    if start is not None:
        conds.append(AuditEntry.at >= start)
    if end is not None:
        conds.append(AuditEntry.at < end)
    forms = rules.search_forms(f.q or "")
    if forms:
        text = (func.lower(AuditEntry.target), func.lower(AuditEntry.actor), func.lower(cast(AuditEntry.detail,
                                                                                            String)))
        conds.append(or_(*(col.contains(form, autoescape=True) for col in text for form in forms)))
    return conds


async def _names(s: AsyncSession, entries: list[AuditEntry]) -> dict[int, str]:
    ids = {e.agent_id for e in entries if e.agent_id is not None}
    if not ids:
        return {}
    return dict((await s.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(ids)))).all())


def entry_out(e: AuditEntry, names: dict[int, str]) -> dict:
    return {"id": e.id, "at": iso(e.at), "agent_id": e.agent_id, "actor": e.actor,
            "name": names.get(e.agent_id) if e.agent_id is not None else None, "ip": e.ip, "action": e.action,
            "target": e.target, "detail": e.detail or {}}


async def page(s: AsyncSession, shop_id: int, f: Filters, before_id: int | None = None,
               limit: int = rules.PAGE) -> dict:
    """Newest first, ``limit`` a page; ``next_before_id`` asks for the next (older) page."""
    query = select(AuditEntry).where(*await conditions(s, shop_id, f))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = list(await s.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    names = await _names(s, rows)
    return {"entries": [entry_out(e, names) for e in rows], "next_before_id": rows[-1].id if more else None,
            "tz": await shop_tz(s, shop_id)}


async def export_csv(db: Database, shop_id: int, f: Filters, labels: dict[str, str], tz: str,
                     batch: int = 1000) -> AsyncIterator[str]:
    """The entries as CSV, newest first, at most rules.EXPORT_CAP, read ``batch`` at a time (one short
    transaction each: the export never holds the database while the client reads)."""
    from zoneinfo import ZoneInfo

    zone, sent, before = ZoneInfo(tz), 0, None
    yield rules.csv_chunk([], [labels[k] for k in ("au_col_at", "au_col_who", "au_col_ip", "au_col_action",
                                                   "au_col_target", "au_col_detail")])
    while sent < rules.EXPORT_CAP:
        async with db.transaction() as s:
            query = select(AuditEntry).where(*await conditions(s, shop_id, f))
            if before is not None:
                query = query.where(AuditEntry.id < before)
            rows = list(await s.scalars(query.order_by(AuditEntry.id.desc())
                                        .limit(min(batch, rules.EXPORT_CAP - sent))))
            names = await _names(s, rows)
        if not rows:
            return
        yield rules.csv_chunk([as_utc(e.at).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                               f"{names[e.agent_id]}（{e.actor}）" if e.agent_id in names else e.actor, e.ip or "",
                               labels.get(f"au_act_{e.action.replace('.', '_')}", e.action), e.target,
                               e.detail or {}] for e in rows)
        sent, before = sent + len(rows), rows[-1].id
