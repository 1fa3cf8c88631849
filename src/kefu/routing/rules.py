"""Routing policy as pure functions: who waits where in the queue, and which agent takes whom.

Everything here is deterministic and database-free, so the live router, the peak-day simulator and the
benchmarks all run the very same code.

Priority is measured in *effective seconds of waiting*: every buyer's priority grows one point per
second they wait (aging — nobody starves), and some buyers start ahead:

* anger: an angry buyer (anger ≥ ANGRY_AT) jumps ANGER_BOOST seconds × anger ahead (DOMAIN: emotional
  buyers first, average wait from 3 minutes to under 1);
* abuse: handled by an emotion-support agent, and boosted like full anger;
* VIP level: VIP_BOOST seconds per level;
* complaints and escalations: COMPLAINT_BOOST / ESCALATION_BOOST.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

GROUP_PRESALE, GROUP_AFTERSALE, GROUP_COMPLAINT = "售前", "售后", "投诉"

INTENT_GROUP = {
    "presale": GROUP_PRESALE, "price": GROUP_PRESALE, "payment": GROUP_PRESALE, "invoice": GROUP_PRESALE,
    "other": GROUP_PRESALE,
    "logistics": GROUP_AFTERSALE, "order_change": GROUP_AFTERSALE, "cancel": GROUP_AFTERSALE,
    "return": GROUP_AFTERSALE, "exchange": GROUP_AFTERSALE, "refund": GROUP_AFTERSALE, "repair": GROUP_AFTERSALE,
    "quality": GROUP_AFTERSALE, "wrong_item": GROUP_AFTERSALE,
    "complaint": GROUP_COMPLAINT,
}

# A skill an agent may list that fits an intent best; agents with it are preferred, never required.
INTENT_SKILL = {
    "presale": "商品", "price": "价保", "invoice": "发票", "payment": "支付", "logistics": "物流",
    "order_change": "订单", "cancel": "订单", "return": "退换货", "exchange": "退换货", "refund": "退款",
    "repair": "维修", "quality": "退换货", "wrong_item": "退换货", "complaint": "投诉处理",
}


@dataclass(frozen=True)
class Policy:
    angry_at: float = 0.5
    anger_boost: float = 240.0
    vip_boost: float = 30.0
    complaint_boost: float = 60.0
    escalation_boost: float = 300.0
    previous_agent_days: int = 3
    greet_after_seconds: float = 15.0
    escalation_accept_seconds: float = 60.0
    break_minutes: float = 10.0
    emotion_groups_first: bool = True


DEFAULT = Policy()


@dataclass(frozen=True)
class Waiting:
    """What routing needs to know about one waiting conversation."""
    id: int
    waiting_since: datetime
    intent: str | None = None
    anger: float = 0.0
    abusive: bool = False
    vip_level: int = 0
    group: str | None = None
    escalated: bool = False
    previous_agent_id: int | None = None
    previous_agent_at: datetime | None = None


@dataclass(frozen=True)
class AgentState:
    id: int
    group: str
    role: str = "agent"
    skills: frozenset[str] = frozenset()
    presence: str = "online"
    load: int = 0
    max_chats: int = 5
    idle_since: datetime | None = None

    @property
    def free(self) -> int:
        return self.max_chats - self.load


@dataclass(frozen=True)
class Ranked:
    conversation: Waiting
    priority: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


def group_for(intent: str | None, abusive: bool = False, entry_group: str | None = None) -> str:
    """The team that should serve a buyer: an explicit entry point wins, then abuse, then the intent."""
    if entry_group:
        return entry_group
    if abusive:
        return GROUP_COMPLAINT
    return INTENT_GROUP.get(intent or "other", GROUP_PRESALE)


def priority(w: Waiting, now: datetime, policy: Policy = DEFAULT) -> Ranked:
    waited = max(0.0, (now - w.waiting_since).total_seconds())
    score, reasons = waited, [f"waited:{int(waited)}"]
    if w.abusive:
        score += policy.anger_boost
        reasons.append("abusive")
    elif w.anger >= policy.angry_at:
        score += policy.anger_boost * w.anger
        reasons.append(f"angry:{w.anger:.2f}")
    if w.vip_level > 0:
        score += policy.vip_boost * w.vip_level
        reasons.append(f"vip:{w.vip_level}")
    if w.intent == "complaint":
        score += policy.complaint_boost
        reasons.append("complaint")
    if w.escalated:
        score += policy.escalation_boost
        reasons.append("escalated")
    return Ranked(w, score, tuple(reasons))


def rank(waiting: Iterable[Waiting], now: datetime, policy: Policy = DEFAULT) -> list[Ranked]:
    """The queue in the order buyers should be served: highest priority first, ties to the earliest."""
    return sorted((priority(w, now, policy) for w in waiting),
                  key=lambda r: (-r.priority, r.conversation.waiting_since, r.conversation.id))


def fifo(waiting: Iterable[Waiting]) -> list[Waiting]:
    return sorted(waiting, key=lambda w: (w.waiting_since, w.id))


def can_serve(agent: AgentState, w: Waiting, policy: Policy = DEFAULT) -> bool:
    """Online, with a free seat, in the right group (abusive buyers go to emotion-support agents)."""
    if agent.presence != "online" or agent.free <= 0:
        return False
    if w.abusive:
        return agent.role == "emotion_support"
    return agent.group == group_for(w.intent, w.abusive, w.group)


def pick_agent(w: Waiting, agents: Sequence[AgentState], now: datetime, policy: Policy = DEFAULT,
               *, any_group_fallback: bool = True) -> AgentState | None:
    """The agent who should take this buyer, or None.

    Order of preference: the buyer's previous agent (within ``previous_agent_days``), agents with the
    intent's skill, then the least loaded (share of seats used, then fewer chats, then idle longest).
    With ``any_group_fallback``, when nobody of the right group is free, any free online agent of a
    plain service role takes the buyer rather than letting them wait (abusive buyers excepted).
    """
    able = [a for a in agents if can_serve(a, w, policy)]
    if not able and any_group_fallback and not w.abusive:
        able = [a for a in agents if a.presence == "online" and a.free > 0 and a.role in ("agent", "senior")]
    if not able:
        return None
    if w.previous_agent_id is not None and w.previous_agent_at is not None \
            and now - w.previous_agent_at <= timedelta(days=policy.previous_agent_days):
        for a in able:
            if a.id == w.previous_agent_id:
                return a
    skill = INTENT_SKILL.get(w.intent or "")
    far_past = datetime.min.replace(tzinfo=now.tzinfo)
    return min(able, key=lambda a: (skill not in a.skills if skill else False, a.load / max(1, a.max_chats), a.load,
                                    a.idle_since or far_past, a.id))


def plan(waiting: Iterable[Waiting], agents: Sequence[AgentState], now: datetime, policy: Policy = DEFAULT,
         order: str = "priority") -> list[tuple[int, int]]:
    """Assign as many waiting buyers as seats allow, in queue order: [(conversation_id, agent_id), …].

    ``order="fifo"`` serves the longest-waiting first (the baseline the simulator compares against).
    """
    queue = [r.conversation for r in rank(waiting, now, policy)] if order == "priority" else fifo(waiting)
    seats = {a.id: a for a in agents}
    out: list[tuple[int, int]] = []
    for w in queue:
        if not any(a.presence == "online" and a.free > 0 for a in seats.values()):
            break
        chosen = pick_agent(w, list(seats.values()), now, policy)
        if chosen is None:
            continue
        out.append((w.id, chosen.id))
        seats[chosen.id] = AgentState(chosen.id, chosen.group, chosen.role, chosen.skills, chosen.presence,
                                      chosen.load + 1, chosen.max_chats, now)
    return out


def estimated_wait(position: int, online_seats: int, mean_handle_seconds: float = 240.0) -> float:
    """Rough wait for the buyer at ``position`` (1 = next): a seat frees every handle time / seats."""
    if online_seats <= 0:
        return float(position) * mean_handle_seconds
    return max(0.0, (position - 1) * mean_handle_seconds / online_seats)


def greeting_text(shop_name: str, position: int, eta_seconds: float) -> str:
    minutes = max(1, round(eta_seconds / 60)) if eta_seconds >= 30 else 0
    wait = f"预计等待约 {minutes} 分钟" if minutes else "马上就轮到您"
    return (f"您好，欢迎光临{shop_name}！当前排队第 {position} 位，{wait}，客服会尽快为您服务。"
            "您也可以先描述问题，方便我们更快处理。")
