"""Routing policy as pure functions: who waits where in the queue, and which agent takes whom.

Everything here is deterministic and database-free, so the live router, the peak-day simulator and the
benchmarks all run the very same code.

Priority is measured in *effective seconds of waiting*: every buyer's priority grows one point per
second they wait (aging — nobody starves), and some buyers start ahead:

* anger: an angry buyer (anger ≥ ANGRY_AT) jumps ANGER_BOOST (600) seconds × anger ahead (DOMAIN: emotional
  buyers first, average wait from 3 minutes to under 1);
* abuse: handled by an emotion-support agent, and boosted like full anger;
* VIP level: VIP_BOOST seconds per level;
* complaints and escalations: COMPLAINT_BOOST / ESCALATION_BOOST.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

GROUP_PRESALE, GROUP_AFTERSALE, GROUP_COMPLAINT = "售前", "售后", "投诉"

INTENT_GROUP = {
    "presale": GROUP_PRESALE, "payment": GROUP_PRESALE, "invoice": GROUP_PRESALE, "other": GROUP_PRESALE,
    "price": GROUP_AFTERSALE,  # mostly 补差价 / price protection after a promotion: an after-sale case
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
    anger_boost: float = 600.0
    vip_boost: float = 30.0
    complaint_boost: float = 60.0
    escalation_boost: float = 900.0
    previous_agent_days: int = 3
    greet_after_seconds: float = 15.0
    escalation_accept_seconds: float = 60.0
    break_minutes: float = 10.0
    emotion_groups_first: bool = True
    # A buyer who has only said hello ("在吗", "你好", an image) has not said what they want, so not which group
    # should serve them: routing waits this long for their question (most follow within seconds) before
    # sending them to the default group, so a delivery complaint opened with "在吗" does not sit in 售前.
    undecided_hold_seconds: float = 8.0


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
    pinned: bool = False  # a transfer to a group: that group only, never another group's agents
    not_agent_id: int | None = None  # the agent who transferred it away: never routed back to them
    undecided: bool = False  # only small talk so far (see Policy.undecided_hold_seconds)
    skill: str | None = None  # a skill asked for by name (a ticket's tag); else the intent's (INTENT_SKILL)


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


def boosts(w: Waiting, policy: Policy = DEFAULT) -> list[tuple[str, float]]:
    """The head starts a buyer gets, each with the reason shown to the supervisor."""
    out = []
    if w.abusive:
        out.append(("abusive", policy.anger_boost))
    elif w.anger >= policy.angry_at:
        out.append((f"angry:{w.anger:.2f}", policy.anger_boost * w.anger))
    if w.vip_level > 0:
        out.append((f"vip:{w.vip_level}", policy.vip_boost * w.vip_level))
    if w.intent == "complaint":
        out.append(("complaint", policy.complaint_boost))
    if w.escalated:
        out.append(("escalated", policy.escalation_boost))
    return out


def _head_start(extra: list[tuple[str, float]]) -> float:
    return sum(b for _, b in extra)


def _waited(w: Waiting, now: datetime) -> float:
    return max(0.0, (now - w.waiting_since).total_seconds())


def _order(value: float, w: Waiting) -> tuple[float, datetime, int]:
    """The queue's order for a buyer of priority ``value``: highest first, ties to the earliest arrival, then
    the lower id."""
    return (-value, w.waiting_since, w.id)


def priority(w: Waiting, now: datetime, policy: Policy = DEFAULT) -> Ranked:
    waited = _waited(w, now)
    extra = boosts(w, policy)
    return Ranked(w, waited + _head_start(extra), (f"waited:{int(waited)}", *(r for r, _ in extra)))


def serving_key(w: Waiting, now: datetime, policy: Policy = DEFAULT) -> tuple[float, datetime, int]:
    """A buyer's key in rank()'s order (smaller is served first), computed like priority() but without the
    reasons, so it agrees with rank() to the last bit."""
    return _order(_waited(w, now) + _head_start(boosts(w, policy)), w)


def queue_key(w: Waiting, policy: Policy = DEFAULT) -> tuple[float, float, int]:
    """A key that orders the queue exactly like rank() and never changes while a buyer waits: everyone
    ages at the same rate, so "waited + boost" ranks like "-(waiting_since - boost)"."""
    since = w.waiting_since.timestamp()
    return (since - _head_start(boosts(w, policy)), since, w.id)


class RoutingQueue:
    """The waiting queue kept as a heap on queue_key: a decision is a peek, not a re-sort.

    Changing a buyer (anger rose, escalated) re-pushes them; stale heap entries are skipped lazily.
    """

    def __init__(self, waiting: Iterable[Waiting] = (), policy: Policy = DEFAULT) -> None:
        self.policy = policy
        self._live: dict[int, tuple[float, float, int]] = {}
        self._heap: list[tuple[tuple[float, float, int], Waiting]] = []
        for w in waiting:
            self.put(w)

    def put(self, w: Waiting) -> None:
        key = queue_key(w, self.policy)
        self._live[w.id] = key
        heapq.heappush(self._heap, (key, w))

    def remove(self, conversation_id: int) -> None:
        self._live.pop(conversation_id, None)

    def head(self) -> Waiting | None:
        while self._heap:
            key, w = self._heap[0]
            if self._live.get(w.id) == key:
                return w
            heapq.heappop(self._heap)
        return None

    def __len__(self) -> int:
        return len(self._live)


def rank(waiting: Iterable[Waiting], now: datetime, policy: Policy = DEFAULT) -> list[Ranked]:
    """The queue in the order buyers should be served: highest priority first, ties to the earliest."""
    return sorted((priority(w, now, policy) for w in waiting), key=lambda r: _order(r.priority, r.conversation))


def place(buyer: Waiting, waiting: Iterable[Waiting], now: datetime, policy: Policy = DEFAULT) -> int:
    """``buyer``'s place in rank(waiting) (1 = next; ``waiting`` may hold the buyer), without sorting or
    building reasons: one more than the number of buyers whose serving_key comes first."""
    mine = serving_key(buyer, now, policy)
    return 1 + sum(serving_key(w, now, policy) < mine for w in waiting)


def fifo(waiting: Iterable[Waiting]) -> list[Waiting]:
    return sorted(waiting, key=lambda w: (w.waiting_since, w.id))


FALLBACK_ROLES = ("agent", "senior")


def serves(agent: AgentState, w: Waiting) -> bool:
    """Online and of the buyer's group (abusive buyers: emotion support), seats aside; never the agent who
    transferred the buyer away."""
    if agent.presence != "online" or agent.id == w.not_agent_id:
        return False
    if w.abusive:
        return agent.role == "emotion_support"
    return agent.group == group_for(w.intent, w.abusive, w.group)


def may_fall_back(w: Waiting) -> bool:
    """Whether another group's plain agent may take the buyer when their own group cannot: not for abusive
    buyers, nor for a buyer a person transferred to a group on purpose."""
    return not w.abusive and not w.pinned


def _fallback(agent: AgentState, w: Waiting) -> bool:
    return agent.presence == "online" and agent.role in FALLBACK_ROLES and agent.id != w.not_agent_id


def can_serve(agent: AgentState, w: Waiting, policy: Policy = DEFAULT) -> bool:
    """Online, with a free seat, in the right group (abusive buyers go to emotion-support agents)."""
    return agent.free > 0 and serves(agent, w)


def line_of(w: Waiting) -> str:
    """The line a buyer stands in: their group's, or emotion support's for an abusive buyer."""
    return "emotion_support" if w.abusive else group_for(w.intent, w.abusive, w.group)


def seats_for(w: Waiting, agents: Iterable[AgentState]) -> int:
    """Seats of the online agents who could serve this buyer as seats free up: their group's, else (when the
    buyer may fall back) any plain agent's. 0: nobody online can serve them."""
    agents = list(agents)
    own = sum(a.max_chats for a in agents if serves(a, w))
    if own or not may_fall_back(w):
        return own
    return sum(a.max_chats for a in agents if _fallback(a, w))


def pick_agent(w: Waiting, agents: Sequence[AgentState], now: datetime, policy: Policy = DEFAULT,
               *, any_group_fallback: bool = True) -> AgentState | None:
    """The agent who should take this buyer, or None.

    Order of preference: the buyer's previous agent (within ``previous_agent_days``), agents with the
    intent's skill, then the least loaded (share of seats used, then fewer chats, then idle longest).
    With ``any_group_fallback``, when nobody of the right group is free, any free online agent of a
    plain service role takes the buyer rather than letting them wait (abusive buyers and transfers to a
    group excepted). The agent who transferred a buyer away is never chosen for them.
    """
    able = [a for a in agents if can_serve(a, w, policy)]
    if not able and any_group_fallback and may_fall_back(w):
        able = [a for a in agents if a.free > 0 and _fallback(a, w)]
    if not able:
        return None
    if w.previous_agent_id is not None and w.previous_agent_at is not None \
            and now - w.previous_agent_at <= timedelta(days=policy.previous_agent_days):
        for a in able:
            if a.id == w.previous_agent_id:
                return a
    skill = w.skill or INTENT_SKILL.get(w.intent or "")
    far_past = datetime.min.replace(tzinfo=now.tzinfo)
    return min(able, key=lambda a: (skill not in a.skills if skill else False, a.load / max(1, a.max_chats), a.load,
                                    a.idle_since or far_past, a.id))


TICKET_ROLES = ("agent", "senior")  # who owns tickets (a quick-response team: whoever the admin put in it)
TICKET_SEATS = 1000  # tickets are not seats: an agent's open tickets count as load, never as "full"


def pick_for_ticket(w: Waiting, agents: Sequence[AgentState], ticket_loads: dict[int, int],
                    now: datetime) -> AgentState | None:
    """Who should own a ticket, by the same preferences as a chat (previous agent, skill, least loaded), with
    each agent's load counted in open tickets. The ticket's group first: its agents online, else those away,
    on a break or offline (a ticket waits for its owner's next shift); only a group with nobody at all hands
    it to another group's agent."""
    states = [replace(a, load=ticket_loads.get(a.id, 0), max_chats=TICKET_SEATS) for a in agents]
    everyone = [replace(a, presence="online") for a in states]
    return (pick_agent(w, states, now, any_group_fallback=False)
            or pick_agent(w, everyone, now, any_group_fallback=False) or pick_agent(w, everyone, now))


def held_for_question(w: Waiting, now: datetime, policy: Policy = DEFAULT) -> bool:
    """Whether routing still waits for this buyer to say what they want (Policy.undecided_hold_seconds)."""
    return (w.undecided and not w.pinned and not w.escalated
            and now - w.waiting_since < timedelta(seconds=policy.undecided_hold_seconds))


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
        if held_for_question(w, now, policy):
            continue
        chosen = pick_agent(w, list(seats.values()), now, policy)
        if chosen is None:
            continue
        out.append((w.id, chosen.id))
        seats[chosen.id] = AgentState(chosen.id, chosen.group, chosen.role, chosen.skills, chosen.presence,
                                      chosen.load + 1, chosen.max_chats, now)
    return out


def estimated_wait(position: int, online_seats: int, mean_handle_seconds: float = 240.0) -> float:
    """Rough wait for the buyer at ``position`` (1 = next): a seat frees every handle time / seats. With no
    seat online this is only a floor (callers tell the buyer nobody is online instead)."""
    if online_seats <= 0:
        return float(position) * mean_handle_seconds
    return max(0.0, (position - 1) * mean_handle_seconds / online_seats)


# What kefu tells a waiting buyer, in the buyer widget's language (the conversation's ``lang``).
BUYER_TEXT = {
    "zh": {"greeting": "您好，欢迎光临{shop}！当前排队第 {position} 位，{wait}，客服会尽快为您服务。"
                       "您也可以先描述问题，方便我们更快处理。",
           "wait": "预计等待约 {minutes} 分钟", "wait_none": "马上就轮到您", "assigned": "客服{agent}为您服务",
           "greeting_no_agent": "您好，欢迎光临{shop}！当前暂无在线客服，您可以先留言描述问题，"
                                "客服上线后会第一时间回复您。",
           "transfer": "正在为您转接{team}，请稍候。",
           "transfer_no_agent": "正在为您转接{team}。当前暂无在线的{team}，您可以先留言，上线后会第一时间回复您。",
           "requeued": "刚才为您服务的客服暂时离开了，正在为您安排其他客服，请稍候。",
           "team_售前": "售前客服", "team_售后": "售后客服", "team_投诉": "投诉专员"},
    "en": {"greeting": "Hi, welcome to {shop}! You're number {position} in the queue; {wait}. "
                       "Feel free to describe your question meanwhile, so we can help you faster.",
           "wait": "an agent will be with you in about {minutes} min", "wait_none": "an agent will be with you shortly",
           "assigned": "{agent} is now helping you.",
           "greeting_no_agent": "Hi, welcome to {shop}! No agent is online right now. Leave us a message about "
                                "your question and we'll reply as soon as an agent is back.",
           "transfer": "We're transferring you to our {team}, please hold on.",
           "transfer_no_agent": "We're transferring you to our {team}. Nobody from the team is online right now; "
                                "leave us a message and they'll reply as soon as they're back.",
           "requeued": "The agent who was helping you had to step away; we're finding another agent for you, "
                       "please hold on.",
           "team_售前": "pre-sales team", "team_售后": "after-sales team", "team_投诉": "complaints team"},
}


def buyer_text(lang: str) -> dict[str, str]:
    """The table for a language; anything but "en" is Chinese, the default."""
    return BUYER_TEXT.get(lang) or BUYER_TEXT["zh"]


def greeting_text(shop_name: str, position: int, eta_seconds: float | None, lang: str = "zh") -> str:
    """The automatic greeting at the greeting delay: the buyer's place in the queue and the expected wait, or
    (``eta_seconds`` None) that nobody who can serve them is online and they may leave a message."""
    text = buyer_text(lang)
    if eta_seconds is None:
        return text["greeting_no_agent"].format(shop=shop_name)
    minutes = max(1, round(eta_seconds / 60)) if eta_seconds >= 30 else 0
    wait = text["wait"].format(minutes=minutes) if minutes else text["wait_none"]
    return text["greeting"].format(shop=shop_name, position=position, wait=wait)


def assigned_text(agent_name: str, lang: str = "zh") -> str:
    """The line a buyer sees when the router hands them to an agent."""
    return buyer_text(lang)["assigned"].format(agent=agent_name)


def transfer_text(group: str, lang: str = "zh", staffed: bool = True) -> str:
    """The line a buyer sees when an agent transfers them to a group: 正在为您转接投诉专员，请稍候。"""
    text = buyer_text(lang)
    team = text.get(f"team_{group}", group)
    return text["transfer" if staffed else "transfer_no_agent"].format(team=team)


def requeued_text(lang: str = "zh") -> str:
    """The line a buyer sees when their agent went away and the chat went back to the queue."""
    return buyer_text(lang)["requeued"]
