"""Routing verbs: assign waiting buyers, greet them, hand conversations over, protect agents' breaks.

The decisions are made by kefu.routing.rules; this module loads the state they need and applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.agents.service import is_silent, loads, set_presence
from kefu.conversations import service as chats
from kefu.conversations.models import Conversation, Message
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, now
from kefu.core.db import advisory_xact_lock
from kefu.customers.models import Customer
from kefu.routing import rules
from kefu.routing.rules import DEFAULT, AgentState, Policy, Waiting
from kefu.shops.models import Shop

ROUTING_LOCK_SPACE = 0x726F7574  # "rout"


@dataclass
class ShopState:
    """One read of a shop for routing: who waits (with their customer ids), its active agents, and when."""
    at: datetime
    waiting: dict[int, Waiting] = field(default_factory=dict)
    customers: dict[int, int] = field(default_factory=dict)  # conversation id -> customer id
    agents: dict[int, AgentState] = field(default_factory=dict)

    @property
    def seats(self) -> int:
        return sum(a.max_chats for a in self.agents.values() if a.presence == "online")


async def shop_state(session: AsyncSession, shop_id: int, *, previous_agents: bool = True) -> ShopState:
    """The waiting buyers and, when anybody waits, the agents. ``previous_agents=False`` skips each buyer's
    previous agent, which choosing an agent needs and a place in the queue does not."""
    c = Conversation
    rows = (await session.execute(  # columns, not ORM objects: ~7x faster with thousands waiting at a peak
        select(c.id, c.customer_id, c.waiting_since, c.created_at, c.intent, c.anger, c.abusive, c.group,
               c.escalated, Customer.vip_level).join(Customer, Customer.id == c.customer_id)
        .where(c.shop_id == shop_id, c.status == "waiting"))).all()
    if not rows:
        return ShopState(now())
    previous = await _previous_agents(session, shop_id, {r.customer_id for r in rows},
                                      {r.id for r in rows}) if previous_agents else {}
    waiting = {}
    for r in rows:
        prev_agent, prev_at = previous.get(r.customer_id, (None, None))
        waiting[r.id] = Waiting(r.id, as_utc(r.waiting_since or r.created_at), r.intent, r.anger or 0.0,
                                bool(r.abusive), r.vip_level or 0, r.group, bool(r.escalated), prev_agent, prev_at)
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


async def route_shop(session: AsyncSession, shop_id: int, policy: Policy = DEFAULT) -> list[tuple[int, int]]:
    """Assign as many waiting buyers of a shop as free seats allow, highest priority first.

    On PostgreSQL a per-shop advisory lock makes concurrent passes (several app workers) take turns, so
    each pass sees the previous one's assignments and no agent goes over capacity; the conditional UPDATE
    in ``assign_if_waiting`` guards against anyone else taking the same buyer meanwhile.
    """
    made, _ = await _assign(session, shop_id, policy)
    return made


async def route_and_queue(session: AsyncSession, shop_id: int,
                          policy: Policy = DEFAULT) -> tuple[list[tuple[int, int]], list[dict]]:
    """The router's pass: route_shop(), then the queue of those still waiting, from the same read of the shop
    with this pass's assignments applied (the places the widget shows live)."""
    made, state = await _assign(session, shop_id, policy)
    return made, _queue(state, policy)


async def _assign(session: AsyncSession, shop_id: int, policy: Policy) -> tuple[list[tuple[int, int]], ShopState]:
    await advisory_xact_lock(session, ROUTING_LOCK_SPACE, shop_id)
    state = await shop_state(session, shop_id)
    made = []
    for conv_id, agent_id in rules.plan(state.waiting.values(), list(state.agents.values()), state.at, policy):
        conv = await session.get(Conversation, conv_id)
        agent = await session.get(Agent, agent_id)
        del state.waiting[conv_id]  # assigned now, or somebody else took the buyer first: waiting no more
        if await chats.assign_if_waiting(session, conv, agent):
            await chats.post_system_message(session, conv, rules.assigned_text(agent.display_name, conv.lang))
            state.agents[agent_id] = replace(state.agents[agent_id], load=state.agents[agent_id].load + 1)
            made.append((conv_id, agent_id))
    return made, state


async def queue(session: AsyncSession, shop_id: int, policy: Policy = DEFAULT) -> list[dict]:
    """The live queue in serving order, with the reasons for each buyer's place and an estimated wait."""
    return _queue(await shop_state(session, shop_id), policy)


def _queue(state: ShopState, policy: Policy) -> list[dict]:
    seats, at = state.seats, state.at
    out = []
    for i, r in enumerate(rules.rank(state.waiting.values(), at, policy), start=1):
        w = r.conversation
        out.append({"conversation_id": w.id, "customer_id": state.customers.get(w.id), "position": i,
                    "priority": round(r.priority, 1), "reasons": list(r.reasons),
                    "waited_seconds": round((at - w.waiting_since).total_seconds()),
                    "eta_seconds": round(rules.estimated_wait(i, seats)),
                    "group": rules.group_for(w.intent, w.abusive, w.group)})
    return out


async def place_of(session: AsyncSession, shop_id: int, conversation_id: int) -> tuple[int, int, int] | None:
    """(position, estimated wait in seconds, buyers waiting) of one waiting conversation, as queue() would
    give them, without ranking the whole queue; None when it is not waiting."""
    state = await shop_state(session, shop_id, previous_agents=False)
    me = state.waiting.get(conversation_id)
    if me is None:
        return None
    position = rules.place(me, state.waiting.values(), state.at)
    return position, round(rules.estimated_wait(position, state.seats)), len(state.waiting)


async def greet(session: AsyncSession, conversation_id: int) -> Message | None:
    """The automatic greeting: only when no human has answered yet and the buyer is still waiting."""
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.status == "closed" or conv.first_response_at is not None or conv.greeted_at:
        return None
    shop = await session.get(Shop, conv.shop_id)
    position, eta, _ = await place_of(session, conv.shop_id, conv.id) or (1, 0, 0)
    conv.greeted_at = now()
    text = rules.greeting_text(shop.name, position, eta, conv.lang)
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
    """A protected break: nothing is routed to the agent until it ends by itself."""
    until = now() + timedelta(minutes=policy.break_minutes)
    agent.presence_until = until
    await set_presence(session, agent, "break")
    await scheduler.schedule(session, agent.shop_id, BREAK_TIMER, until, key=f"break:{agent.id}",
                             payload={"agent_id": agent.id})
    return agent


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


BREAK_TIMER = "agents.break_end"
