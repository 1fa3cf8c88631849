"""Discrete-event simulation of a shop day, routed by the very same code as the live router.

Events sit in a heap ordered by (time, sequence): buyer arrivals, chats ending (a seat frees),
abandonments, greeting checks at ``greet_after_s``, shift changes at each hour and samples of the
queue for the timeline. Each agent has ``max_chats`` seats; a chat holds one seat for its handle time.

Both policies see the same buyers (common random numbers): arrivals, case, anger, VIP level, handle
time and patience are all drawn up front from the seed, and the policy only decides who is served when.

* ``kefu``: :func:`kefu.routing.rules.plan` with ``order="priority"`` (rank() + pick_agent());
* ``fifo``: the same function with ``order="fifo"`` — longest-waiting first, same agent eligibility.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import timedelta

from kefu.routing import rules
from kefu.routing.rules import AgentState, Waiting
from kefu.simulation.scenario import Scenario

ARRIVE, DONE, ABANDON, GREET, SHIFT, SAMPLE = range(6)
POLICIES = ("fifo", "kefu")
PLAIN_ROLES = ("agent", "senior")


@dataclass
class Buyer:
    id: int
    arrival: float
    case: str
    intent: str
    anger: float
    abusive: bool
    vip: int
    handle_s: float
    patience_s: float
    group: str = ""

    def angry(self, policy: rules.Policy) -> bool:
        return self.abusive or self.anger >= policy.angry_at


@dataclass
class Outcome:
    """What happened to one buyer under one policy (times in seconds of the day, None if never)."""
    answered: float | None = None
    abandoned: float | None = None
    greeted: float | None = None
    agent: int | None = None
    cross_group: bool = False


@dataclass
class Agent:
    id: int
    group: str
    role: str
    skills: frozenset[str]
    max_chats: int
    team: int
    on_shift: bool = False
    load: int = 0
    idle_since: float = 0.0


@dataclass
class Run:
    policy: str
    outcomes: list[Outcome]
    # (t, queue length, seats busy, agents busy, agents on shift, seats at work)
    samples: list[tuple[float, int, int, int, int, int]] = field(default_factory=list)
    busy_seat_s: float = 0.0
    capacity_seat_s: float = 0.0
    busy_agent_s: float = 0.0
    staffed_agent_s: float = 0.0
    decisions: int = 0

    @property
    def utilization(self) -> float:
        return self.busy_seat_s / self.capacity_seat_s if self.capacity_seat_s else 0.0

    @property
    def agent_busy_share(self) -> float:
        return self.busy_agent_s / self.staffed_agent_s if self.staffed_agent_s else 0.0


def _uniform(rng: random.Random, lo_hi: tuple[float, float]) -> float:
    lo, hi = lo_hi
    return lo + (hi - lo) * rng.random()


def buyers(sc: Scenario, seed: int | None = None) -> list[Buyer]:
    """The day's buyers, drawn once from the seed (non-homogeneous Poisson arrivals by thinning)."""
    rng = random.Random(sc.seed if seed is None else seed)
    lam_max = sc.max_rate()
    shares = [c.share for c in sc.cases]
    vip_levels = list(range(len(sc.vip_shares)))
    out: list[Buyer] = []
    t = 0.0
    while True:
        t += rng.expovariate(lam_max)
        if t >= sc.duration_s:
            break
        if rng.random() * lam_max > sc.rate(t):
            continue
        case = rng.choices(sc.cases, weights=shares)[0]
        abusive = rng.random() < sc.abusive_share
        angry = abusive or rng.random() < case.angry_share
        anger = 1.0 if abusive else _uniform(rng, sc.angry_anger if angry else sc.calm_anger)
        vip = rng.choices(vip_levels, weights=sc.vip_shares)[0]
        mu, sigma = case.lognormal
        handle = max(20.0, rng.lognormvariate(mu, sigma))
        patience = rng.lognormvariate(math.log(sc.patience_median_s), sc.patience_sigma)
        if angry:
            patience *= sc.angry_patience_factor
        b = Buyer(len(out), t, case.name, case.intent, round(anger, 3), abusive, vip, handle, patience)
        b.group = rules.group_for(b.intent, b.abusive)
        out.append(b)
    return out


def _agents(sc: Scenario) -> list[Agent]:
    out: list[Agent] = []
    for ti, team in enumerate(sc.teams):
        for _ in range(max(team.agents)):
            out.append(Agent(len(out) + 1, team.group, team.role, team.skills, team.max_chats, ti))
    return out


def simulate(sc: Scenario, policy: str, people: list[Buyer] | None = None) -> Run:
    """Run one policy ("fifo" or "kefu") over the day's buyers."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES}")
    people = buyers(sc) if people is None else people
    pol = sc.policy
    order = "priority" if policy == "kefu" else "fifo"
    auto_greet = policy == "kefu" or sc.fifo_auto_greeting
    base = sc.start
    agents = _agents(sc)
    by_team: dict[int, list[Agent]] = {}
    for a in agents:
        by_team.setdefault(a.team, []).append(a)
    outcomes = [Outcome() for _ in people]
    run = Run(policy, outcomes)
    waiting: dict[int, Waiting] = {}
    heap: list[tuple[float, int, int, int, int]] = []
    seq = 0

    def push(t: float, kind: int, a: int = 0, b: int = 0) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (t, seq, kind, a, b))

    for b in people:
        push(b.arrival, ARRIVE, b.id)
    for h in range(sc.hours):
        push(h * 3600.0, SHIFT, h)
    t_s = 0.0
    while t_s < sc.duration_s:
        push(t_s, SAMPLE)
        t_s += sc.sample_every_s

    last_t = 0.0
    # Running totals over agents at work (on shift, or still finishing chats after their shift).
    tot = {"cap": 0, "load": 0, "busy": 0, "present": 0}

    def account(agent: Agent, sign: int) -> None:
        if agent.on_shift or agent.load:
            tot["cap"] += sign * agent.max_chats
            tot["present"] += sign
            tot["load"] += sign * agent.load
            tot["busy"] += sign * (agent.load > 0)

    def advance(now: float) -> None:
        nonlocal last_t
        dt = now - last_t
        if dt > 0:
            run.capacity_seat_s += dt * tot["cap"]
            run.staffed_agent_s += dt * tot["present"]
            run.busy_seat_s += dt * tot["load"]
            run.busy_agent_s += dt * tot["busy"]
            last_t = now

    def dispatch(now: float) -> None:
        if not waiting:
            return
        free = [a for a in agents if a.on_shift and a.load < a.max_chats]
        if not free:
            return
        plain_free = any(a.role in PLAIN_ROLES for a in free)
        es_free = any(a.role == "emotion_support" for a in free)
        # Hand plan() only the buyers some free agent could take; it would skip the others anyway.
        if plain_free and es_free:
            queue = list(waiting.values())
        elif plain_free:
            queue = [w for w in waiting.values() if not w.abusive]
        else:
            groups = {a.group for a in free}
            queue = [w for w in waiting.values()
                     if (w.abusive and es_free) or (not w.abusive and people[w.id].group in groups)]
        if not queue:
            return
        when = base + timedelta(seconds=now)
        states = [AgentState(a.id, a.group, a.role, a.skills, "online", a.load, a.max_chats,
                             base + timedelta(seconds=a.idle_since)) for a in free]
        run.decisions += 1
        for cid, aid in rules.plan(queue, states, when, pol, order=order):
            agent = agents[aid - 1]
            buyer = people[cid]
            del waiting[cid]
            account(agent, -1)
            agent.load += 1
            account(agent, +1)
            o = outcomes[cid]
            o.answered, o.agent = now, aid
            o.cross_group = agent.group != buyer.group
            if o.greeted is None:
                o.greeted = now
            push(now + buyer.handle_s, DONE, aid, cid)

    while heap:
        now, _, kind, a, b = heapq.heappop(heap)
        advance(now)
        if kind == ARRIVE:
            buyer = people[a]
            waiting[a] = Waiting(a, base + timedelta(seconds=buyer.arrival), buyer.intent, buyer.anger,
                                 buyer.abusive, buyer.vip)
            push(now + buyer.patience_s, ABANDON, a)
            push(now + sc.greet_after_s, GREET, a)
            dispatch(now)
        elif kind == DONE:
            agent = agents[a - 1]
            account(agent, -1)
            agent.load -= 1
            account(agent, +1)
            if agent.load == 0:
                agent.idle_since = now
            dispatch(now)
        elif kind == ABANDON:
            if a in waiting:
                del waiting[a]
                outcomes[a].abandoned = now
        elif kind == GREET:
            if a in waiting and auto_greet and outcomes[a].greeted is None:
                outcomes[a].greeted = now
        elif kind == SHIFT:
            for ti, team in enumerate(sc.teams):
                for i, agent in enumerate(by_team.get(ti, [])):
                    on = i < team.agents[a]
                    if on and not agent.on_shift:
                        agent.idle_since = now
                    account(agent, -1)
                    agent.on_shift = on
                    account(agent, +1)
            dispatch(now)
        elif kind == SAMPLE:
            run.samples.append((now, len(waiting), tot["load"], tot["busy"],
                                sum(1 for x in agents if x.on_shift), tot["cap"]))
    # Buyers still waiting at the end of the day (none in a sane scenario) count as abandoned at the end.
    for cid in waiting:
        outcomes[cid].abandoned = sc.duration_s
    return run


def run_both(sc: Scenario, seed: int | None = None) -> tuple[list[Buyer], dict[str, Run]]:
    people = buyers(sc, seed)
    return people, {p: simulate(sc, p, people) for p in POLICIES}
