"""Transfers, escalations and abuse handoffs, each with a context summary the receiver reads first."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.agents.rules import check_group
from kefu.agents.service import get_agent, loads
from kefu.conversations import service as chats
from kefu.conversations.models import Conversation, Message
from kefu.core import events, scheduler
from kefu.core.clock import as_utc, iso, now
from kefu.core.errors import Conflict, Forbidden, NotFound
from kefu.handoffs import rules
from kefu.handoffs.models import Handoff
from kefu.routing.rules import DEFAULT as POLICY
from kefu.routing.service import agent_states, alert_supervisors, start_break, wait_for_group

ESCALATION_TIMER = "handoffs.escalation_timeout"


def handoff_out(h: Handoff) -> dict:
    return {"id": h.id, "conversation_id": h.conversation_id, "kind": h.kind, "status": h.status,
            "from_agent_id": h.from_agent_id, "to_agent_id": h.to_agent_id, "to_group": h.to_group, "note": h.note,
            "summary": h.summary, "due_at": iso(h.due_at), "accepted_at": iso(h.accepted_at),
            "created_at": iso(h.created_at)}


async def build_summary(session: AsyncSession, conv: Conversation, note: str = "") -> str:
    rows = list(await session.scalars(select(Message).where(Message.conversation_id == conv.id,
                                                           Message.private.is_(False)).order_by(Message.seq)))
    buyer = [m for m in rows if m.sender == "buyer"]
    orders = [e["text"] for m in buyer for e in ((m.analysis or {}).get("entities", {}).get("order_numbers") or [])]
    started = as_utc(conv.first_message_at or conv.created_at)
    return rules.summarize(intent=conv.intent, emotion=conv.emotion, anger=conv.anger or 0.0, abusive=conv.abusive,
                           orders=orders, buyer_lines=[m.text for m in buyer],
                           agent_lines=[m.text for m in rows if m.sender == "agent"],
                           waited_seconds=(now() - started).total_seconds(), note=note)


async def _record(session: AsyncSession, conv: Conversation, actor: Agent | None, kind: str, *, to_agent: int | None,
                  to_group: str | None, note: str, status: str) -> Handoff:
    summary = await build_summary(session, conv, note)
    h = Handoff(shop_id=conv.shop_id, conversation_id=conv.id, kind=kind, status=status, note=note.strip()[:500],
                from_agent_id=actor.id if actor else None, to_agent_id=to_agent, to_group=to_group, summary=summary,
                tried_agent_ids=rules.with_tried("", to_agent), created_at=now(),
                accepted_at=now() if status == "accepted" else None)
    session.add(h)
    await session.flush()
    label = {"transfer": "转接", "escalation": "升级", "abuse": "情绪安抚转接"}[kind]
    await chats.post_system_message(session, conv, f"【{label}说明】{summary}", private=True)
    if status != "pending":  # pending escalations are announced once a receiver is picked
        await events.record(session, conv.shop_id, f"handoff.{status}", {"handoff": handoff_out(h)},
                            conversation_id=conv.id, private=True)
    return h


async def transfer(session: AsyncSession, actor: Agent, conversation_id: int, *, to_agent_id: int | None = None,
                   to_group: str | None = None, note: str = "") -> Handoff:
    """Hand the conversation to a named colleague (at once) or to a group's queue, where it waits for that group
    (the buyer is told; the supervisors too when nobody of the group is online)."""
    conv = await chats.get_conversation(session, actor.shop_id, conversation_id, for_update=True)
    if conv.status == "closed":
        raise Conflict("会话已结束，无法转接", "The conversation is closed", code="closed")
    if to_agent_id is not None:
        target = await get_agent(session, actor.shop_id, to_agent_id)
        h = await _record(session, conv, actor, "transfer", to_agent=target.id, to_group=None, note=note,
                          status="accepted")
        await chats.assign_to(session, actor, conv.id, target)
        return h
    group = check_group(to_group or "")
    h = await _record(session, conv, actor, "transfer", to_agent=None, to_group=group, note=note, status="accepted")
    await wait_for_group(session, conv, actor, group)  # that group's line only, never back to the sender
    return h


async def _receivers(session: AsyncSession, shop_id: int) -> list[tuple[int, str, str, int, int]]:
    return [(a.id, a.role, a.presence, a.load, a.max_chats) for a in (await agent_states(session, shop_id)).values()]


async def _offer(session: AsyncSession, h: Handoff, exclude: set[int]) -> None:
    """Offer a pending escalation to the next receiver and arm its one-minute acceptance timer."""
    h.to_agent_id = rules.pick_receiver(await _receivers(session, h.shop_id), exclude)
    h.tried_agent_ids = rules.with_tried(h.tried_agent_ids, h.to_agent_id)
    h.due_at = now() + timedelta(seconds=POLICY.escalation_accept_seconds)
    await scheduler.schedule(session, h.shop_id, ESCALATION_TIMER, h.due_at, key=f"esc:{h.id}",
                             payload={"handoff_id": h.id})
    if h.to_agent_id is None:
        await alert_supervisors(session, h.shop_id, "escalation_no_receiver",
                                {"conversation_id": h.conversation_id, "handoff_id": h.id})


async def escalate(session: AsyncSession, actor: Agent, conversation_id: int, note: str = "") -> Handoff:
    """Ask a senior (or a supervisor) to take over; they have one minute to accept."""
    conv = await chats.get_conversation(session, actor.shop_id, conversation_id, for_update=True)
    if conv.status == "closed":
        raise Conflict("会话已结束，无法升级", "The conversation is closed", code="closed")
    conv.escalated = True
    h = await _record(session, conv, actor, "escalation", to_agent=None, to_group=None, note=note, status="pending")
    await _offer(session, h, {actor.id})
    await events.record(session, conv.shop_id, "handoff.offered", {"handoff": handoff_out(h)},
                        conversation_id=conv.id, private=True)
    return h


async def accept(session: AsyncSession, agent: Agent, handoff_id: int) -> Handoff:
    h = await session.get(Handoff, handoff_id)
    if h is None or h.shop_id != agent.shop_id:
        raise NotFound("转接记录不存在", "Handoff not found", code="handoff_not_found")
    # One lock order (docs/architecture.md): the conversation, then the escalation's timer, then the handoff.
    await chats.get_conversation(session, agent.shop_id, h.conversation_id, for_update=True)
    await scheduler.cancel(session, ESCALATION_TIMER, f"esc:{h.id}")
    h = await session.get(Handoff, handoff_id, with_for_update=True, populate_existing=True)
    if h.status != "pending":
        raise Conflict("该升级已被处理", "This escalation was already handled", code="handoff_closed")
    if h.to_agent_id != agent.id and agent.role not in ("supervisor", "admin"):
        raise Forbidden("这条升级不是给您的", "This escalation was offered to someone else", code="not_your_handoff")
    h.status, h.accepted_at, h.to_agent_id = "accepted", now(), agent.id
    await chats.assign_to(session, agent, h.conversation_id, agent)
    await events.record(session, h.shop_id, "handoff.accepted", {"handoff": handoff_out(h)},
                        conversation_id=h.conversation_id, private=True)
    return h


async def escalation_timed_out(session: AsyncSession, handoff_id: int) -> None:
    """Nobody accepted within a minute: offer it to the next senior and tell the supervisors."""
    h = await session.get(Handoff, handoff_id)
    if h is None or h.status != "pending":
        return
    missed = h.to_agent_id
    await alert_supervisors(session, h.shop_id, "escalation_not_accepted",
                            {"conversation_id": h.conversation_id, "handoff_id": h.id, "agent_id": missed})
    await _offer(session, h, rules.tried(h.tried_agent_ids) | ({h.from_agent_id} if h.from_agent_id else set()))
    await events.record(session, h.shop_id, "handoff.offered", {"handoff": handoff_out(h)},
                        conversation_id=h.conversation_id, private=True)


async def flag_abuse(session: AsyncSession, actor: Agent | None, shop_id: int, conversation_id: int,
                     note: str = "") -> Handoff:
    """Move an abusive buyer to an emotion-support agent with the context, and give the agent who took the
    abuse a protected break. ``actor`` is None when message understanding raised the flag."""
    conv = await chats.get_conversation(session, shop_id, conversation_id, for_update=True)
    conv.abusive = True
    conv.emotion = "angry"
    first = await session.get(Agent, conv.assignee_id) if conv.assignee_id else None
    load = await loads(session, shop_id)
    helpers = [a for a in await session.scalars(select(Agent).where(
        Agent.shop_id == shop_id, Agent.role == "emotion_support", Agent.presence == "online", Agent.active.is_(True)))
        if load.get(a.id, 0) < a.max_chats and (first is None or a.id != first.id)]
    target = min(helpers, key=lambda a: (load.get(a.id, 0) / max(1, a.max_chats), a.id)) if helpers else None
    h = await _record(session, conv, actor or first, "abuse", to_agent=target.id if target else None,
                      to_group=None if target else "投诉", note=note, status="accepted" if target else "pending")
    if target is not None:
        await chats.assign_to(session, target, conv.id, target)
    else:
        await chats.requeue(session, conv, "投诉", actor.id if actor else None)
        await alert_supervisors(session, shop_id, "no_emotion_support", {"conversation_id": conv.id})
    if first is not None and first.role != "emotion_support" and first.presence == "online":
        await start_break(session, first)
    return h


async def list_for(session: AsyncSession, shop_id: int, conversation_id: int) -> list[dict]:
    await chats.get_conversation(session, shop_id, conversation_id)
    rows = await session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id)
                                 .order_by(Handoff.id))
    return [handoff_out(h) for h in rows]


async def pending_for(session: AsyncSession, agent: Agent) -> list[dict]:
    rows = await session.scalars(select(Handoff).where(Handoff.shop_id == agent.shop_id, Handoff.status == "pending",
                                                       Handoff.to_agent_id == agent.id).order_by(Handoff.id))
    return [handoff_out(h) for h in rows]
