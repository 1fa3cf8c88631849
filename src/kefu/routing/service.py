"""Routing verbs: assign waiting buyers, greet them, hand conversations over, protect agents' breaks.

The decisions are made by kefu.routing.rules; this module loads the state they need and applies them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.agents.rules import ROUTABLE_ROLES
from kefu.agents.service import agent_out, is_silent, loads, set_presence
from kefu.conversations import service as chats
from kefu.conversations.models import Conversation, Message
from kefu.conversations.rules import opened_by_small_talk
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, now
from kefu.core.db import advisory_xact_lock
from kefu.core.scheduler import Timer
from kefu.customers.models import Customer
from kefu.routing import rules
from kefu.routing.rules import DEFAULT, TICKET_ROLES, AgentState, Policy, Waiting, pick_for_ticket
from kefu.shops.models import Shop
from kefu.tickets.models import Ticket

ROUTING_LOCK_SPACE = 0x726F7574  # "rout"
TEAM = "team"  # a ticket team chosen by name (the quick-response team): its own line


@dataclass
class ShopState:
    """One read of a shop for routing: who waits (with their customer ids), its active agents, and when."""
    at: datetime
    waiting: dict[int, Waiting] = field(default_factory=dict)
    customers: dict[int, int] = field(default_factory=dict)  # conversation id -> customer id
    agents: dict[int, AgentState] = field(default_factory=dict)


async def shop_state(session: AsyncSession, shop_id: int, *, previous_agents: bool = True) -> ShopState:
    """The waiting buyers and, when anybody waits, the agents. ``previous_agents=False`` skips each buyer's
    previous agent, which choosing an agent needs and a place in the queue does not."""
    c = Conversation
    rows = (await session.execute(  # columns, not ORM objects: ~7x faster with thousands waiting at a peak
        select(c.id, c.customer_id, c.waiting_since, c.created_at, c.intent, c.intent_confidence, c.anger, c.abusive,
               c.group, c.escalated, c.group_pinned, c.transferred_by_id, Customer.vip_level)
        .join(Customer, Customer.id == c.customer_id)
        .where(c.shop_id == shop_id, c.status == "waiting"))).all()
    if not rows:
        return ShopState(now())
    previous = await _previous_agents(session, shop_id, {r.customer_id for r in rows},
                                      {r.id for r in rows}) if previous_agents else {}
    waiting = {}
    for r in rows:
        prev_agent, prev_at = previous.get(r.customer_id, (None, None))
        waiting[r.id] = Waiting(r.id, as_utc(r.waiting_since or r.created_at), r.intent, r.anger or 0.0,
                                bool(r.abusive), r.vip_level or 0, r.group, bool(r.escalated), prev_agent, prev_at,
                                bool(r.group_pinned), r.transferred_by_id if r.group_pinned else None,
                                opened_by_small_talk(r.intent, r.intent_confidence))
    agents = await agent_states(session, shop_id)
    return ShopState(now(), waiting, {r.id: r.customer_id for r in rows}, agents)


async def _previous_agents(session: AsyncSession, shop_id: int, customer_ids: set[int],
                           exclude: set[int]) -> dict[int, tuple[int, datetime]]:
    """Each buyer's most recent agent from an earlier conversation, with when they last talked."""
    rows = await session.execute(
        select(Conversation.customer_id, Conversation.assignee_id, Conversation.last_message_at)
        .where(Conversation.shop_id == shop_id, Conversation.customer_id.in_(customer_ids),
               Conversation.assignee_id.is_not(None), Conversation.id.not_in(exclude))
        .order_by(Conversation.last_message_at.desc()))
    out: dict[int, tuple[int, datetime]] = {}
    for customer_id, agent_id, at in rows:
        if customer_id not in out and at is not None:
            out[customer_id] = (agent_id, as_utc(at))
    return out


async def agent_states(session: AsyncSession, shop_id: int) -> dict[int, AgentState]:
    load = await loads(session, shop_id)
    agents = await session.scalars(select(Agent).where(Agent.shop_id == shop_id, Agent.active.is_(True)))
    return {a.id: AgentState(a.id, a.group, a.role, frozenset(a.skills or []), a.presence, load.get(a.id, 0),
                             a.max_chats, as_utc(a.presence_changed_at)) for a in agents}


async def ticket_assignee(session: AsyncSession, shop_id: int, w: Waiting, only: tuple[int, ...] = (),
                          exclude: int | None = None) -> int | None:
    """The agent who should own a ticket described as ``w`` (routing's own preferences, load in open
    tickets), from the service roles or, with ``only``, from those agents (a team, any role); None if nobody."""
    rows = await session.execute(select(Ticket.assignee_id, func.count()).where(
        Ticket.shop_id == shop_id, Ticket.resolved_at.is_(None), Ticket.status != "closed")
        .group_by(Ticket.assignee_id))
    loads = {aid: n for aid, n in rows if aid is not None}
    agents = [a for a in (await agent_states(session, shop_id)).values() if a.id != exclude and (
        a.id in only if only else a.role in TICKET_ROLES)]
    if only:  # a team across groups: every member serves, by the same preferences
        agents = [replace(a, role="agent", group=TEAM) for a in agents]
        w = replace(w, group=TEAM, pinned=True, abusive=False)
    picked = pick_for_ticket(w, agents, loads, now())
    return picked.id if picked else None


async def route_shop(session: AsyncSession, shop_id: int, policy: Policy = DEFAULT) -> list[tuple[int, int]]:
    """Assign as many waiting buyers of a shop as free seats allow, highest priority first.

    On PostgreSQL a per-shop advisory lock makes concurrent passes (several app workers) take turns, so
    each pass sees the previous one's assignments and no agent goes over capacity; the conditional UPDATE
    in ``assign_if_waiting`` guards against anyone else taking the same buyer meanwhile.
    """
    made, _ = await _assign(session, shop_id, policy)
    return made


async def route_and_queue(session: AsyncSession, shop_id: int, policy: Policy = DEFAULT,
                          limit: int | None = None) -> tuple[list[tuple[int, int]], list[dict]]:
    """The router's pass: route_shop(), then the queue of those still waiting, from the same read of the shop
    with this pass's assignments applied (the places the widget shows live). ``limit``: assign at most this
    many in this transaction (the router then runs another pass), so that a thousand buyers arriving at once
    never hold the shop's writers up behind one long transaction."""
    made, state = await _assign(session, shop_id, policy, limit)
    places = _queue(state, policy)
    await _note_unstaffed(session, shop_id, state, places)
    return made, places


async def _assign(session: AsyncSession, shop_id: int, policy: Policy,
                  limit: int | None = None) -> tuple[list[tuple[int, int]], ShopState]:
    await advisory_xact_lock(session, ROUTING_LOCK_SPACE, shop_id)
    state = await shop_state(session, shop_id)
    made: list[tuple[int, int]] = []
    for conv_id, agent_id in rules.plan(state.waiting.values(), list(state.agents.values()), state.at, policy):
        if limit is not None and len(made) >= limit:
            break
        conv = await session.get(Conversation, conv_id)
        agent = await session.get(Agent, agent_id)
        del state.waiting[conv_id]  # assigned now, or somebody else took the buyer first: waiting no more
        if await chats.assign_if_waiting(session, conv, agent):
            await chats.announce_agent(session, conv, agent)
            await scheduler.drop(session, chats.GREET_TIMER, f"greet:{conv_id}")  # seated: no greeting to send
            state.agents[agent_id] = replace(state.agents[agent_id], load=state.agents[agent_id].load + 1)
            made.append((conv_id, agent_id))
    return made, state


async def queue(session: AsyncSession, shop_id: int, policy: Policy = DEFAULT) -> list[dict]:
    """The live queue in serving order, with the reasons for each buyer's place and an estimated wait."""
    return _queue(await shop_state(session, shop_id), policy)


def _eta(place: int, seats: int) -> int | None:
    """The expected wait at ``place`` in a line served by ``seats``; None when nobody online can serve it."""
    return round(rules.estimated_wait(place, seats)) if seats else None


def _queue(state: ShopState, policy: Policy) -> list[dict]:
    """The queue in serving order. ``position`` is the place in the whole shop's order (the supervisor's);
    ``place`` the place in the buyer's own line (their group's), which the buyer is told, with an ``eta_seconds``
    from the seats of the agents online who can serve them (None, and ``no_agent``, when there are none)."""
    at, agents = state.at, list(state.agents.values())
    seats: dict[tuple, int] = {}  # the few distinct lines and transfers: not one scan of the agents per buyer
    lines: Counter[str] = Counter()
    out = []
    for i, r in enumerate(rules.rank(state.waiting.values(), at, policy), start=1):
        w = r.conversation
        line = rules.line_of(w)
        lines[line] += 1
        key = (line, w.pinned, w.not_agent_id)
        if key not in seats:
            seats[key] = rules.seats_for(w, agents)
        out.append({"conversation_id": w.id, "customer_id": state.customers.get(w.id), "position": i,
                    "place": lines[line], "priority": round(r.priority, 1), "reasons": list(r.reasons),
                    "waited_seconds": round((at - w.waiting_since).total_seconds()),
                    "eta_seconds": _eta(lines[line], seats[key]), "no_agent": not seats[key],
                    "group": rules.group_for(w.intent, w.abusive, w.group), "line": line})
    return out


async def place_of(session: AsyncSession, shop_id: int, conversation_id: int) -> dict | None:
    """What the buyer of one waiting conversation is told, as queue() would say it, without ranking the whole
    queue: their place in their line, the expected wait (None when nobody online can serve them), whether
    nobody can, and how many buyers wait in the shop. None when the conversation is not waiting."""
    state = await shop_state(session, shop_id, previous_agents=False)
    me = state.waiting.get(conversation_id)
    if me is None:
        return None
    line = rules.line_of(me)
    place = rules.place(me, [w for w in state.waiting.values() if rules.line_of(w) == line], state.at)
    seats = rules.seats_for(me, state.agents.values())
    return {"position": place, "eta_seconds": _eta(place, seats), "no_agent": not seats,
            "waiting": len(state.waiting)}


async def greet(session: AsyncSession, conversation_id: int) -> Message | None:
    """The automatic greeting: only to a buyer still waiting whom no human has answered, with their real place
    (or, when nobody online can serve them, that they may leave a message)."""
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.status != "waiting" or conv.first_response_at is not None or conv.greeted_at:
        return None
    mine = await place_of(session, conv.shop_id, conv.id)
    if mine is None:
        return None
    shop = await session.get(Shop, conv.shop_id)
    conv.greeted_at = now()
    text = rules.greeting_text(shop.name, mine["position"], mine["eta_seconds"], conv.lang)
    return await chats.post_system_message(session, conv, text, sender="bot")


async def greeting_rate(session: AsyncSession, shop_id: int, since: datetime) -> dict:
    """Share of conversations greeted (by a person or the automatic greeting) within the greeting delay."""
    rows = (await session.execute(
        select(Conversation.first_message_at, Conversation.first_response_at, Conversation.greeted_at)
        .where(Conversation.shop_id == shop_id, Conversation.first_message_at >= since))).all()
    limit = timedelta(seconds=DEFAULT.greet_after_seconds + 1)
    in_time = 0
    for first, response, greeted in rows:
        answers = [as_utc(t) for t in (response, greeted) if t is not None]
        if answers and min(answers) - as_utc(first) <= limit:
            in_time += 1
    return {"conversations": len(rows), "greeted_in_time": in_time,
            "rate": round(in_time / len(rows), 4) if rows else None}


async def shops_with_waiting(session: AsyncSession) -> list[int]:
    return list(await session.scalars(
        select(Conversation.shop_id).where(Conversation.status == "waiting").group_by(Conversation.shop_id)))


async def start_break(session: AsyncSession, agent: Agent, policy: Policy = DEFAULT) -> Agent:
    """A protected break: nothing is routed to the agent until it ends by itself. The agent keeps their chats
    (a break is short and bounded; they may still answer)."""
    return await set_presence(session, agent, "break", until=now() + timedelta(minutes=policy.break_minutes))


async def end_break(session: AsyncSession, agent_id: int) -> None:
    agent = await session.get(Agent, agent_id)
    if agent is not None and agent.presence == "break":
        agent.presence_until = None
        # back online, unless nobody has been at the desk for the silence (then away, as any silent agent)
        if is_silent(agent):
            await set_presence(session, agent, "away", reason="silent")
        else:
            await set_presence(session, agent, "online")


async def count_waiting(session: AsyncSession, shop_id: int) -> int:
    return await session.scalar(select(func.count()).where(Conversation.shop_id == shop_id,
                                                           Conversation.status == "waiting")) or 0


async def alert_supervisors(session: AsyncSession, shop_id: int, kind: str, data: dict) -> None:
    await events.record(session, shop_id, "supervisor.alert", {"kind": kind, **data}, private=True)


# --- buyers no online agent can serve: the supervisors hear of it once, not at every pass --------------
# A routing pass that finds such buyers schedules an UNSTAFFED_TIMER row (key: shop and line), whose handler
# alerts the supervisors. Another is scheduled for the same line only once the floor changed: another set of
# agents online, or an agent of a routed role changed presence (came and went) since. A supervisor who logs in
# (and starts away) changes nothing.

UNSTAFFED_TIMER = "routing.unstaffed"


def _unstaffed_key(shop_id: int, line: str) -> str:
    return f"unstaffed:{shop_id}:{line}"


async def _note_unstaffed(session: AsyncSession, shop_id: int, state: ShopState, places: list[dict]) -> None:
    waiting: Counter[str] = Counter()
    first: dict[str, int] = {}  # each unstaffed line's first buyer in serving order
    for p in places:
        if p["no_agent"]:
            waiting[p["line"]] += 1
            first.setdefault(p["line"], p["conversation_id"])
    for line, count in waiting.items():
        await note_unstaffed(session, shop_id, line, {"waiting": count, "conversation_id": first[line]}, state.agents)


async def note_unstaffed(session: AsyncSession, shop_id: int, line: str, data: dict,
                         agents: dict[int, AgentState]) -> bool:
    """Schedule the alert that buyers of ``line`` wait with nobody online to serve them, unless the last one
    was about the same floor (see above). Returns whether it was scheduled."""
    key = _unstaffed_key(shop_id, line)
    online = sorted(a.id for a in agents.values() if a.presence == "online")
    last = (await session.execute(select(Timer.payload, Timer.created_at).where(
        Timer.kind == UNSTAFFED_TIMER, Timer.key == key).order_by(Timer.id.desc()).limit(1))).first()
    if last is not None and last.payload.get("online") == online and not any(
            a.role in ROUTABLE_ROLES and a.idle_since and a.idle_since > as_utc(last.created_at)
            for a in agents.values()):
        return False
    await scheduler.schedule(session, shop_id, UNSTAFFED_TIMER, now(), key=key,
                             payload={"line": line, **data, "online": online})
    return True


async def alert_unstaffed(session: AsyncSession, shop_id: int, payload: dict) -> str:
    """The UNSTAFFED_TIMER falls due: alert the supervisors, unless someone who can serve the line came online."""
    line = payload["line"]
    online = [a for a in (await agent_states(session, shop_id)).values() if a.presence == "online"]
    probe = Waiting(0, now(), abusive=line == "emotion_support", group=None if line == "emotion_support" else line,
                    pinned=bool(payload.get("pinned")), not_agent_id=payload.get("agent_id"))
    if rules.seats_for(probe, online):
        return "staffed again"
    data = {k: v for k, v in payload.items() if k not in ("line", "online")}
    await alert_supervisors(session, shop_id, f"unstaffed_{line}", {"group": line, **data})
    return "alerted"


async def wait_for_group(session: AsyncSession, conv: Conversation, actor: Agent, group: str) -> bool:
    """A transfer to a group: the conversation waits in that group's line only and is never routed back to
    ``actor`` (who may still take it back by hand); the buyer is told in their language; when nobody online
    can serve it the supervisors hear of it. Returns whether somebody online can."""
    await chats.requeue(session, conv, group, actor.id, since=await unanswered_since(session, conv),
                        pinned_by=actor.id)
    agents = await agent_states(session, conv.shop_id)
    probe = Waiting(conv.id, now(), conv.intent, abusive=bool(conv.abusive), group=group, pinned=True,
                    not_agent_id=actor.id)
    staffed = rules.seats_for(probe, agents.values()) > 0
    await chats.post_system_message(session, conv, rules.transfer_text(group, conv.lang, staffed))
    if not staffed:
        await note_unstaffed(session, conv.shop_id, rules.line_of(probe),
                             {"conversation_id": conv.id, "agent_id": actor.id, "pinned": True, "waiting": 1},
                             agents)
    return staffed


# --- an absent agent's unanswered chats go back to the queue (agents.service arms the timer) -----------

async def unanswered_since(session: AsyncSession, conv: Conversation) -> datetime | None:
    """When the buyer started waiting for an answer: their first message after the last agent reply (None when
    the agent spoke last)."""
    m = Message
    last_reply = select(func.coalesce(func.max(m.seq), 0)).where(
        m.conversation_id == conv.id, m.sender == "agent", m.private.is_(False)).scalar_subquery()
    since = await session.scalar(select(func.min(m.created_at)).where(
        m.conversation_id == conv.id, m.sender == "buyer", m.seq > last_reply))
    return as_utc(since) if since is not None else None


async def requeue_absent(session: AsyncSession, agent_id: int) -> str:
    """The grace after an agent became absent is over: if they are still away or offline, their chats with an
    unanswered buyer go back to the queue, keeping the buyer's priority and waiting time; the buyer is told,
    the supervisors are alerted and the agent's workspace shows what was moved. Answered chats stay."""
    agent = await session.get(Agent, agent_id)
    if agent is None or agent.presence in ("online", "break"):
        return "back"
    c = Conversation
    held = await session.scalars(select(c).where(c.assignee_id == agent.id, c.status == "assigned")
                                 .order_by(c.id).with_for_update())  # conversations in id order: one lock order
    moved = []
    for conv in held:
        since = await unanswered_since(session, conv)
        if since is None and not conv.agent_unread:
            continue
        await chats.requeue(session, conv, None, None, since=since)
        await chats.post_system_message(session, conv, rules.requeued_text(conv.lang))
        moved.append(conv.id)
    if not moved:
        return "nothing unanswered"
    agent.moved_unseen = (agent.moved_unseen or 0) + len(moved)
    await session.flush()
    await alert_supervisors(session, agent.shop_id, "chats_requeued",
                            {"agent_id": agent.id, "count": len(moved), "conversation_ids": moved,
                             "presence": agent.presence})
    await events.record(session, agent.shop_id, "agent.updated", {**await agent_out(session, agent),
                                                                   "moved": len(moved)})
    return f"requeued {len(moved)}"


async def moved_seen(session: AsyncSession, agent: Agent) -> Agent:
    """The agent has seen the notice of chats moved while they were away."""
    agent.moved_unseen = 0
    await session.flush()
    return agent
