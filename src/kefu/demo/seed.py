"""The demo shop 小鹿优选旗舰店. Idempotent: running it twice leaves one demo shop.

Everything goes through the real services (so sequence numbers, unread counters, read receipts and the
event log are exactly what live traffic would produce) with the clock frozen at each step's moment:
ten days of closed conversations, a few chats still open with online agents and a queue of waiting
buyers. The whole load is one transaction.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.agents.models import Agent
from kefu.agents.service import create_agent, set_presence
from kefu.conversations import service as chat
from kefu.conversations.models import Conversation
from kefu.core.clock import as_utc, clock
from kefu.core.db import Database
from kefu.core.security import VisitorTokens
from kefu.customers.models import Customer
from kefu.customers.service import start_visitor
from kefu.demo.cases import load_cases
from kefu.demo.chats import CHATS
from kefu.demo.data import AGENTS, BUYERS, SHOP_AGE_DAYS, SHOP_NAME, SUPERVISOR, Chat
from kefu.demo.orders import load_orders
from kefu.demo.review_week import last_week
from kefu.shops.models import Shop
from kefu.shops.rules import DEMO_SLUG
from kefu.shops.service import create_shop

DEMO_PASSWORD = "kefu-demo-2026"
BEIJING = timezone(timedelta(hours=8))
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours"}


async def load_demo(db: Database) -> list[tuple[str, str, str, str]]:
    """Create the demo shop unless it exists; return (username, name, role, group) of its agents."""
    async with db.transaction() as s:
        shop_id = await s.scalar(select(Shop.id).where(Shop.slug == DEMO_SLUG))
        if shop_id is None:
            base = clock.now()
            steps = schedule(CHATS, base)  # validates the script before anything is written
            try:
                shop_id = await _populate(s, base, steps)
            finally:
                clock.unfreeze()
        team = await s.scalars(select(Agent).where(Agent.shop_id == shop_id).order_by(Agent.id))
        return [(a.username, a.display_name, a.role, a.group) for a in team]


async def load_demo_knowledge(db: Database) -> dict:
    """The demo shop's knowledge base: articles, reply templates, synonyms (idempotent; the first load
    computes the articles' embeddings, which takes a few seconds)."""
    from kefu.knowledge.demo_kb import load_demo_kb

    async with db.transaction() as s:
        shop_id = await s.scalar(select(Shop.id).where(Shop.slug == DEMO_SLUG))
        admin = await s.scalar(select(Agent.id).where(Agent.shop_id == shop_id, Agent.role == "trainer"))
        return await load_demo_kb(s, shop_id, author_id=admin)


async def other_shops(db: Database) -> int:
    """How many shops besides the demo exist: the CLI refuses to add public demo logins beside them."""
    async with db.transaction() as s:
        return len(list(await s.scalars(select(Shop.id).where(Shop.slug != DEMO_SLUG))))


# --- the timeline -------------------------------------------------------------------------------------


def when(spec: str, base: datetime) -> datetime:
    """``-25m`` / ``-3h`` / ``-40s``: that long before base; ``3d14:05``: 14:05 Beijing time 3 days ago."""
    if spec.startswith("-"):
        return base - timedelta(**{_UNITS[spec[-1]]: float(spec[1:-1])})
    days, _, hhmm = spec.partition("d")
    hour, minute = (int(x) for x in hhmm.split(":"))
    day = base.astimezone(BEIJING).date() - timedelta(days=int(days))
    return datetime.combine(day, time(hour, minute), BEIJING).astimezone(UTC)


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str  # presence, buyer, agent, note, transfer, close
    chat: int  # index into the chats, -1 for presence
    who: str  # agent username for presence, else ""
    text: str


def _gap(rng: random.Random, prev: str, kind: str, text: str, first_reply: bool) -> float:
    """Seconds between two lines: reading and typing time (agents type about 60 characters a minute)."""
    if kind == "b":
        return 6 + len(text) * 0.5 + rng.uniform(0, 8) if prev == "b" else 12 + len(text) * 0.7 + rng.uniform(0, 25)
    if kind == "a":
        if first_reply:
            return rng.uniform(4, 12)  # the greeting goes out inside the 15-second target
        return (3 if prev != "b" else 8) + len(text) + rng.uniform(0, 10)
    if kind == "n":
        return 8 + len(text) * 0.5 + rng.uniform(0, 6)
    return rng.uniform(25, 55)  # a supervisor notices and transfers


def schedule(chats: list[Chat], base: datetime) -> list[Step]:
    """Every action of the demo in time order. Raises ValueError on a script that cannot be played:
    a step in the future, a buyer with two conversations open at once, a waiting chat with replies."""
    steps: list[Step] = []
    busy: dict[str, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for a in AGENTS:
        steps += [Step(when(spec, base), "presence", -1, a.username, presence) for spec, presence in a.presence]
    kinds = {"b": "buyer", "a": "agent", "n": "note", "to": "transfer"}
    for i, c in enumerate(chats):
        rng = random.Random(f"kefu-demo-{i}")
        at, prev, replied = when(c.start, base), "", False
        if c.lines[0][0] != "b" or (c.state == "waiting") != (c.agent is None):
            raise ValueError(f"demo chat {i}: must start with the buyer; only waiting chats have no agent")
        if c.state == "waiting" and any(line[0] != "b" for line in c.lines):
            raise ValueError(f"demo chat {i}: a waiting chat has only buyer lines")
        start = at
        for n, (kind, text, *gap) in enumerate(c.lines):
            if n:
                at += timedelta(seconds=gap[0] if gap else _gap(rng, prev, kind, text, kind == "a" and not replied))
            replied |= kind == "a"
            steps.append(Step(at, kinds[kind], i, "", text))
            prev = kind
        if c.state == "closed":
            at += timedelta(seconds=rng.uniform(60, 240))
            steps.append(Step(at, "close", i, "", ""))
        busy[c.buyer].append((start, at if c.state == "closed" else base, i))
    for buyer, spans in busy.items():
        spans.sort()
        for (_, end, i), (start, _, j) in pairwise(spans):
            if start <= end:
                raise ValueError(f"demo chats {i} and {j}: {buyer} would have two conversations open at once")
    late = [s for s in steps if s.at >= base]
    if late:
        raise ValueError(f"demo step in the future: {late[0]}")
    steps.sort(key=lambda s: s.at)  # stable: same-moment steps keep script order
    return steps


# --- playing it through the services ------------------------------------------------------------------


@dataclass
class _Open:
    conv: Conversation | None = None
    holder: str = ""
    public_seq: int = 0  # the last message the buyer can see
    reply_seq: int = 0  # the last agent reply; a buyer who writes again has read it


async def _populate(s: AsyncSession, base: datetime, steps: list[Step]) -> int:
    clock.freeze(base - timedelta(days=SHOP_AGE_DAYS))
    shop = await create_shop(s, DEMO_SLUG, SHOP_NAME)
    agents: dict[str, Agent] = {}
    for a in AGENTS:
        clock.freeze(base - timedelta(days=a.joined_days))
        agents[a.username] = await create_agent(s, shop.id, username=a.username, password=DEMO_PASSWORD,
                                                display_name=a.name, role=a.role, group=a.group,
                                                skills=a.skills, max_chats=a.max_chats)
    tokens = VisitorTokens("kefu-demo-seed")  # the tokens are thrown away; buyers never log in as these
    buyers: dict[str, Customer] = {}
    for b in BUYERS:
        clock.freeze(base - timedelta(days=b.since_days, minutes=len(buyers)))
        customer, _ = await start_visitor(s, tokens, shop, None, b.name)
        customer.phone, customer.vip_level, customer.tags = b.phone, b.vip, list(b.tags)
        buyers[b.name] = customer
    await s.flush()

    state = [_Open(holder=c.agent or "") for c in CHATS]
    for step in steps:
        clock.freeze(step.at)
        if step.kind == "presence":
            await set_presence(s, agents[step.who], step.text)
            continue
        c, st = CHATS[step.chat], state[step.chat]
        agent = agents.get(st.holder)
        if step.kind == "buyer":
            if st.conv is not None and st.conv.buyer_read_seq < st.reply_seq:
                await chat.mark_read(s, st.conv, "buyer", st.public_seq)
            msg, conv, _ = await chat.post_buyer_message(s, buyers[c.buyer], step.text)
            if st.conv is not None and conv.id != st.conv.id:
                raise RuntimeError(f"demo chat {step.chat}: the buyer's message went to another conversation")
            st.conv, st.public_seq = conv, msg.seq
            continue
        assert st.conv is not None and agent is not None
        if st.conv.agent_unread:
            await chat.mark_read(s, st.conv, "agent", st.conv.last_seq)
        if step.kind == "agent":
            if st.conv.status == "waiting":
                await chat.take(s, agent, st.conv.id)
            msg, _, _ = await chat.post_agent_message(s, agent, st.conv.id, step.text)
            st.public_seq = st.reply_seq = msg.seq
        elif step.kind == "note":
            await chat.post_agent_message(s, agent, st.conv.id, step.text, private=True)
        elif step.kind == "transfer":
            await chat.assign_to(s, agents[SUPERVISOR], st.conv.id, agents[step.text])
            st.holder = step.text
        elif step.kind == "close":
            if st.conv.buyer_read_seq < st.reply_seq:
                await chat.mark_read(s, st.conv, "buyer", st.public_seq)
            await chat.close(s, agent, st.conv.id)
    await s.flush()
    await last_week(s, base, shop, agents)  # the weekly review's week: tickets and their moves
    await _sla_rules(s, shop.id, agents)
    await _tickets(s, base, shop.id, {a.id: a for a in agents.values()})
    await load_orders(s, shop.id, base, buyers)  # the buyers' orders in the built-in store (demo/orders.py)
    await load_cases(s, base, agents, buyers)  # after-sale cases, a complaint and a request to approve (cases.py)
    return shop.id


async def _sla_rules(s: AsyncSession, shop_id: int, agents: dict[str, Agent]) -> None:
    """The demo shop's SLA rules: the defaults, a type of its own, and a quick-response team (the senior
    complaints agent and the supervisor)."""
    from kefu.sla.models import SlaSettings
    from kefu.sla.rules import DEFAULT_POLICY, check_settings, settings_of
    from kefu.tickets.rules import TYPES

    rules = settings_of(DEFAULT_POLICY, TYPES)
    rules["types"] = ["物流异常"]
    rules["targets"]["物流异常"] = {p: [pair[0] / 2, pair[1] / 2] for p, pair in rules["targets"]["售后"].items()}
    rules["quick_team"] = [agents[name].id for name in ("chenjie", "laowang") if name in agents]
    s.add(SlaSettings(shop_id=shop_id, settings=check_settings(rules), updated_at=clock.now()))


async def _tickets(s: AsyncSession, base: datetime, shop_id: int, team: dict[int, Agent]) -> None:
    """After-sale chats that became tickets, at the moments their agents would have opened them: one waiting
    on the courier, one being worked with a reply sent, one resolved, one nobody has answered yet."""
    from kefu.tickets import service as tickets
    from kefu.tickets.rules import AFTER_SALE_INTENTS
    from kefu.tickets.schemas import TicketIn

    convs = (await s.scalars(select(Conversation).where(Conversation.shop_id == shop_id,
                                                        Conversation.intent.in_(AFTER_SALE_INTENTS),
                                                        Conversation.assignee_id.is_not(None))
                             .order_by(Conversation.id))).all()
    plan = (("waiting_courier", None), ("in_progress", "已联系仓库核实，今天内给您答复。"),
            ("resolved", "退款已原路退回，请留意到账通知。"), (None, None))
    for conv, (status, reply) in zip(convs, plan, strict=False):
        agent = team[conv.assignee_id]
        opened = min(as_utc(conv.last_message_at) + timedelta(minutes=3), base - timedelta(minutes=30))
        clock.freeze(opened)
        t = await tickets.create(s, agent, TicketIn(**(await tickets.draft(s, agent, conv.id))))
        clock.freeze(opened + timedelta(minutes=20))
        if reply:
            await tickets.add_note(s, agent, t, reply, internal=False)
        if status:
            await tickets.change_status(s, agent, t, status)
        if status == "in_progress":  # the wrong colour shipped: in the error ledger, followed up by phone
            await _ledger_entry(s, agent, t.number, opened, base)
    await s.flush()


async def _ledger_entry(s: AsyncSession, agent: Agent, number: str, opened: datetime, base: datetime) -> None:
    """The error ledger's entry for the ticket of the wrong colour shipped (the chat's note says so), with the
    buyer last called two and a half hours before the demo's present: overdue in business hours."""
    from kefu.ledger.schemas import EntryIn
    from kefu.ledger.service import manual_update, open_entry

    clock.freeze(opened + timedelta(minutes=25))
    e = await open_entry(s, agent, EntryIn(ticket=number, kind="wrong_shipment", description=(
        "买家拍的米白色针织开衫 M 码，仓库拣货拣成了藏青色。已顺丰补发米白色，原件不用寄回，运费由店铺承担。")))
    clock.freeze(max(opened + timedelta(minutes=30), base - timedelta(minutes=150)))
    await manual_update(s, agent, e, "phone", "电话告知买家：补发的米白色已出库，顺丰单号已发到聊天里。")
