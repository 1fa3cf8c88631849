"""Verbs on agents: create, log in and out, change presence, notice when an online agent falls silent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents import rules
from kefu.agents.models import Agent, AgentSession, LoginThrottle
from kefu.audit import service as audit
from kefu.conversations.models import Conversation
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, iso, now
from kefu.core.db import Database
from kefu.core.errors import Conflict, NotFound, Unauthorized
from kefu.core.fanout import SESSION_ENDED
from kefu.core.scheduler import Timer
from kefu.core.security import check_password_async, hash_password_async, new_token, token_hash
from kefu.routing.rules import DEFAULT as ROUTING


async def create_agent(session: AsyncSession, shop_id: int, *, username: str, password: str,
                       display_name: str, role: str = "agent", group: str = "售前",
                       skills: list[str] | str | None = None, max_chats: int = 5) -> Agent:
    username = rules.check_username(username)
    rules.check_password(password)
    if await session.scalar(select(Agent.id).where(Agent.username == username)):
        raise Conflict("登录名已被使用", "Username is taken", code="username_taken")
    agent = Agent(shop_id=shop_id, username=username, display_name=(display_name or username).strip()[:64],
                  password_hash=await hash_password_async(password), role=rules.check_role(role),
                  group=rules.check_group(group), skills=rules.parse_skills(skills),
                  max_chats=rules.check_max_chats(max_chats), presence="offline")
    session.add(agent)
    await session.flush()
    await audit.record(session, shop_id, audit.acting(), "agent.created", f"agent:{agent.id}",
                       {"username": username, "role": agent.role, "group": agent.group})
    return agent


async def login(db: Database, username: str, password: str, hours: int, ip: str | None = None) -> tuple[Agent, str]:
    """Three short steps, so that no transaction (on SQLite: the one writer) waits while argon2 works: refuse at
    once while the account or the address is locked out, and read the account; check the password off the
    event loop (an unknown name costs the same); then count the failure — or open the session and forget the
    account's failures."""
    name = (username or "").strip().lower()[:64]
    keys = rules.throttle_keys(name, ip)
    async with db.transaction() as s:
        locked = await _locked(s, keys)
        found = await s.scalar(select(Agent).where(Agent.username == name))
        agent_id = found.id if found is not None and found.active else None
        password_hash = found.password_hash if agent_id is not None else None
    if locked is not None:
        await audit.login_refused(db, found, name, ip)  # its own transaction: this refusal writes nothing else
        raise rules.locked_out(locked, now())
    if not await check_password_async(password_hash, password or ""):
        async with db.transaction() as s:
            until = await _count_failure(s, keys)
            await audit.login_failed(s, found, ip, "bad_password" if found is not None else "unknown_user")
        if until is not None:
            raise rules.locked_out(until, now())
        raise Unauthorized("登录名或密码错误", "Wrong username or password", code="bad_credentials")
    async with db.transaction() as s:
        agent = await s.get(Agent, agent_id)
        await s.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0]))
        await audit.record(s, agent.shop_id, agent, "login", f"agent:{agent.id}", ip=ip)
        return agent, await _open_session(s, agent, hours)


async def _locked(s: AsyncSession, keys: list[str]) -> datetime | None:
    """Until when the account or the address is locked out (the later of the two), or None."""
    at = now()
    until = [as_utc(r.locked_until) for r in await s.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
             if r.locked_until is not None and as_utc(r.locked_until) > at]
    return max(until) if until else None


async def _count_failure(s: AsyncSession, keys: list[str]) -> datetime | None:
    """One more failure under each key (rows every process shares); the latest lock-out time, if any."""
    at, until = now(), None
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    for key in sorted(keys):  # one lock order
        await s.execute(insert(LoginThrottle).values(key=key, failures=0, window_started_at=at, last_failure_at=at)
                        .on_conflict_do_nothing())
        row = await s.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        fresh = row.failures == 0
        row.failures, row.window_started_at, locked = rules.count_failure(
            key, row.failures, None if fresh else as_utc(row.window_started_at),
            None if fresh else as_utc(row.last_failure_at), at)
        row.last_failure_at, row.locked_until = at, locked
        if locked is not None:
            until = max(until or locked, locked)
    return until


async def unlock(session: AsyncSession, admin: Agent, agent_id: int) -> Agent:
    """The shop admin lets a locked-out colleague try again at once."""
    agent = await get_agent(session, admin.shop_id, agent_id)
    key = rules.throttle_keys(agent.username, None)[0]
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
    await audit.record(session, admin.shop_id, admin, "agent.unlocked", f"agent:{agent.id}",
                       {"username": agent.username})
    return agent


async def locked_until(session: AsyncSession, agents: list[Agent]) -> dict[int, datetime]:
    """Agents whose account is locked out now, and until when (for the admin's team page)."""
    keys = {rules.throttle_keys(a.username, None)[0]: a.id for a in agents}
    at = now()
    rows = await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))
    return {keys[r.key]: as_utc(r.locked_until) for r in rows
            if r.locked_until is not None and as_utc(r.locked_until) > at}


async def _open_session(session: AsyncSession, agent: Agent, hours: int) -> str:
    token = new_token()
    session.add(AgentSession(token_hash=token_hash(token), shop_id=agent.shop_id, agent_id=agent.id,
                             expires_at=now() + timedelta(hours=hours)))
    await seen(session, agent)
    # Service roles start taking buyers; a supervisor, trainer or admin only watches until they set online.
    await set_presence(session, agent, rules.presence_at_login(agent.role))
    return token


async def login_of(session: AsyncSession, token: str | None) -> tuple[Agent, AgentSession] | None:
    """The live login behind a session cookie, with its agent (active only)."""
    if not token:
        return None
    row = await session.get(AgentSession, token_hash(token))
    if row is None or as_utc(row.expires_at) <= now():
        return None
    agent = await session.get(Agent, row.agent_id)
    return (agent, row) if agent is not None and agent.active else None


async def agent_for_token(session: AsyncSession, token: str | None) -> Agent | None:
    found = await login_of(session, token)
    return found[0] if found else None


def session_id(row_or_token_hash: AgentSession | str) -> str:
    """A login's id in events: part of the stored token hash (never the token)."""
    h = row_or_token_hash if isinstance(row_or_token_hash, str) else row_or_token_hash.token_hash
    return h[:24]


async def end_sockets(session: AsyncSession, agent: Agent, reason: str, login: str | None = None) -> None:
    """Close the agent's open sockets on every process once this commits: those of one login (``login``, a
    session_id) or all of them."""
    await events.record(session, agent.shop_id, SESSION_ENDED,
                        {"agent_id": agent.id, "session": login, "reason": reason}, private=True)


async def logout(session: AsyncSession, agent: Agent, token: str | None) -> None:
    if token:
        await session.execute(delete(AgentSession).where(AgentSession.token_hash == token_hash(token)))
        await end_sockets(session, agent, "logged out", session_id(token_hash(token)))
    await set_presence(session, agent, "offline")


async def update_agent(session: AsyncSession, admin: Agent, agent_id: int, *, role: str | None = None,
                       active: bool | None = None) -> Agent:
    """The admin changes a colleague's role or disables / re-enables the account. Either ends the colleague's
    open sockets at once (they reconnect with the new rights, or not at all); disabling also ends their logins."""
    agent = await get_agent(session, admin.shop_id, agent_id, lock=True)
    if agent.id == admin.id and (active is False or (role is not None and role != agent.role)):
        raise Conflict("不能停用自己的账号或修改自己的角色",
                       "You cannot disable your own account or change your own role", code="self_change")
    changed = []
    if role is not None and role != agent.role:
        before, agent.role = agent.role, rules.check_role(role)
        changed.append("role changed")
        await audit.record(session, admin.shop_id, admin, "agent.role_changed", f"agent:{agent.id}",
                           {"username": agent.username, "role": [before, agent.role]})
    if active is not None and active != agent.active:
        agent.active = active
        changed.append("account enabled" if active else "account disabled")
        await audit.record(session, admin.shop_id, admin, "agent.enabled" if active else "agent.disabled",
                           f"agent:{agent.id}", {"username": agent.username})
        if not active:
            await session.execute(delete(AgentSession).where(AgentSession.agent_id == agent.id))
            await set_presence(session, agent, "offline")
    if changed:
        await end_sockets(session, agent, "; ".join(changed))
    return agent


async def set_presence(session: AsyncSession, agent: Agent, presence: str, reason: str | None = None,
                       until: datetime | None = None) -> Agent:
    """Change presence and tell everyone (agent.updated); ``reason`` ("silent") goes out with the event.

    A break always has an end (``until``, else the policy's break minutes) and ends by itself. An agent who
    becomes absent (rules.absent) has their unanswered chats requeued after the grace, unless back online
    by then."""
    presence = rules.check_presence(presence)
    restart_break = presence == "break" and until is not None
    if agent.presence == presence and not restart_break:
        return agent
    # timer rows first, the agent row after: one lock order
    with session.no_autoflush:
        if presence == "online":
            await _arm_silence_check(session, agent.shop_id, agent.id, last_seen(agent) or now())
            await scheduler.cancel(session, REQUEUE_TIMER, f"requeue:{agent.id}")
        elif presence == "break":
            until = until or now() + timedelta(minutes=ROUTING.break_minutes)
            await scheduler.schedule(session, agent.shop_id, BREAK_TIMER, until, key=f"break:{agent.id}",
                                     payload={"agent_id": agent.id})
        elif rules.absent(agent.role, presence, reason):
            await _arm_requeue(session, agent)
    agent.presence_until = until if presence == "break" else None
    agent.presence = presence
    agent.presence_changed_at = now()
    await session.flush()
    data = await agent_out(session, agent)
    await events.record(session, agent.shop_id, "agent.updated", {**data, "reason": reason} if reason else data)
    return agent


# --- an absent agent's unanswered chats go back to the queue after a grace ---------------------------
# One pending REQUEUE_TIMER row per agent (routing.jobs runs it): armed when the agent becomes absent, or
# when a buyer writes to a chat of an absent agent (the router's doing); cancelled when back online.

REQUEUE_TIMER = "agents.requeue"
BREAK_TIMER = "agents.break_end"
_requeue_grace = 60  # KEFU_REQUEUE_GRACE_SECONDS, installed by the app at start (configure_silence)


async def _arm_requeue(session: AsyncSession, agent: Agent) -> None:
    """Arm the agent's requeue check (keeping one already pending: the grace runs from when they left),
    if they hold any chat."""
    holds = await session.scalar(select(Conversation.id).where(Conversation.assignee_id == agent.id,
                                                               Conversation.status == "assigned").limit(1))
    key = f"requeue:{agent.id}"
    pending = await session.scalar(select(Timer.id).where(Timer.kind == REQUEUE_TIMER, Timer.key == key,
                                                          Timer.done_at.is_(None)).limit(1))
    if holds is None or pending is not None:
        return
    await scheduler.schedule(session, agent.shop_id, REQUEUE_TIMER, now() + timedelta(seconds=_requeue_grace),
                             key=key, payload={"agent_id": agent.id})


async def requeue_if_absent(session: AsyncSession, agent_ids: set[int]) -> int:
    """Buyers wrote to chats of these agents: arm the requeue check of those who are absent (a buyer who
    writes to an agent gone since their last answer does not wait for their return). Returns how many."""
    armed = 0
    for agent in await session.scalars(select(Agent).where(Agent.id.in_(agent_ids))):
        if rules.absent(agent.role, agent.presence):
            await _arm_requeue(session, agent)
            armed += 1
    return armed


# --- silence: an "online" agent who closed the laptop or lost the network is set away ----------------
# Each sign of life (login, the agent's socket connecting or sending any frame, an authenticated API call)
# writes agents.last_seen_at, at most once a minute per process, and pushes the agent's one pending
# SILENT_TIMER row back to last seen + the silence. Only an agent who stays silent lets it fall due.

SILENT_TIMER = "agents.silent"
SEEN_WRITE_EVERY = timedelta(seconds=60)
_silent_seconds = 180  # KEFU_AGENT_SILENT_SECONDS, installed by the app at start (configure_silence)
_seen_written: dict[int, datetime] = {}  # agent id -> this process's last write: a throttle, not the truth


def configure_silence(seconds: int, requeue_grace: int | None = None) -> None:
    global _silent_seconds, _requeue_grace
    _silent_seconds = seconds
    if requeue_grace is not None:
        _requeue_grace = requeue_grace


def last_seen(agent: Agent) -> datetime | None:
    return as_utc(agent.last_seen_at)


def is_silent(agent: Agent) -> bool:
    return rules.is_silent(last_seen(agent) or as_utc(agent.presence_changed_at), now(), _silent_seconds)


def seen_due(agent_id: int) -> bool:
    """Whether this process should write the agent's last_seen now; if so, the slot is taken."""
    at, last = now(), _seen_written.get(agent_id)
    if last is not None and timedelta(0) <= at - last < SEEN_WRITE_EVERY:
        return False
    _seen_written[agent_id] = at
    return True


async def record_seen(session: AsyncSession, shop_id: int, agent_id: int) -> None:
    at = now()
    await _arm_silence_check(session, shop_id, agent_id, at)
    await session.execute(update(Agent).where(Agent.id == agent_id).values(last_seen_at=at))


async def seen(session: AsyncSession, agent: Agent) -> None:
    """The agent showed a sign of life (throttled per process)."""
    if seen_due(agent.id):
        await record_seen(session, agent.shop_id, agent.id)


async def _arm_silence_check(session: AsyncSession, shop_id: int, agent_id: int, seen_at: datetime) -> None:
    if _silent_seconds > 0:
        await scheduler.rearm(session, shop_id, SILENT_TIMER, f"silent:{agent_id}",
                              seen_at + timedelta(seconds=_silent_seconds), {"agent_id": agent_id})


async def arm_silence_checks(session: AsyncSession) -> int:
    """At an instance's start: give every online agent a pending silence check due a full silence from now
    (agents online from before this feature, or whose rows a crash lost, would otherwise stay online for
    good; counting from now leaves time for their workspaces to reconnect). Returns how many were armed."""
    rows = (await session.execute(select(Agent.id, Agent.shop_id).where(Agent.presence == "online",
                                                                        Agent.active.is_(True)))).all()
    for agent_id, shop_id in rows:
        await _arm_silence_check(session, shop_id, agent_id, now())
    return len(rows)


async def away_if_silent(session: AsyncSession, agent_id: int) -> str:
    """The silence check falls due: an online agent unseen for the silence becomes away (agent.updated goes
    out, so the router stops choosing them). Break, away and offline are left alone; the agent sets
    themselves online again."""
    agent = await session.get(Agent, agent_id)
    if agent is None or not agent.active or agent.presence != "online" or _silent_seconds <= 0:
        return "not online"
    if not is_silent(agent):  # seen since this row was armed (a twin row, or the silence was changed)
        await _arm_silence_check(session, agent.shop_id, agent.id, last_seen(agent) or now())
        return "seen"
    await set_presence(session, agent, "away", reason="silent")
    return "away"


async def get_agent(session: AsyncSession, shop_id: int, agent_id: int, *, lock: bool = False) -> Agent:
    agent = await session.get(Agent, agent_id, with_for_update=lock, populate_existing=lock)
    if agent is None or agent.shop_id != shop_id:
        raise NotFound("客服不存在", "Agent not found", code="agent_not_found")
    return agent


async def loads(session: AsyncSession, shop_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(Conversation.assignee_id, func.count()).where(
            Conversation.shop_id == shop_id, Conversation.status == "assigned").group_by(Conversation.assignee_id))
    return {aid: n for aid, n in rows if aid is not None}


async def agent_out(session: AsyncSession, agent: Agent, load: int | None = None) -> dict:
    if load is None:
        load = (await loads(session, agent.shop_id)).get(agent.id, 0)
    return {
        "id": agent.id, "username": agent.username, "display_name": agent.display_name, "role": agent.role,
        "group": agent.group, "skills": list(agent.skills or []), "max_chats": agent.max_chats,
        "presence": agent.presence, "load": load, "active": agent.active,
        "presence_changed_at": iso(agent.presence_changed_at), "presence_until": iso(agent.presence_until),
        "moved_unseen": agent.moved_unseen or 0,
    }


TEAM_FIELDS = ("id", "display_name", "role", "group", "presence", "presence_until", "load", "max_chats")


async def team(session: AsyncSession, shop_id: int) -> list[dict]:
    """What every agent may see of colleagues (for transfers): no usernames or skills."""
    return [{k: a[k] for k in TEAM_FIELDS} for a in await list_agents(session, shop_id) if a["active"]]


async def list_agents(session: AsyncSession, shop_id: int) -> list[dict]:
    load = await loads(session, shop_id)
    agents = list(await session.scalars(select(Agent).where(Agent.shop_id == shop_id)
                                        .order_by(Agent.group, Agent.id)))
    locked = await locked_until(session, agents)
    return [{**await agent_out(session, a, load.get(a.id, 0)), "locked_until": iso(locked.get(a.id))}
            for a in agents]
