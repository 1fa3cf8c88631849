"""The chat the load tests run (buyers on one instance, agents answering on the other) and the checks of what
every socket got against the committed event log, read from the database as the product reads it."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from typing import Any

from websockets.exceptions import ConnectionClosed

from kefu.core.db import Database
from tests.multiproc.harness import Buyer, Socket, SocketClosed, Staff, Team

LINES = ["你好，请问这款还有货吗？", "什么时候能发货呀", "能便宜一点吗，买两件", "我的快递到哪了，单号发你",
         "可以开发票吗", "尺码偏大还是偏小？我平时穿M", "退货运费谁出呢", "好的，谢谢亲"]


class Answering:
    """An agent who answers every buyer line of the chats assigned to them, on whichever socket is open."""

    def __init__(self, agent: Staff) -> None:
        self.agent = agent
        self.sent: set[str] = set()
        self.tasks: set[asyncio.Task] = set()

    def __call__(self, ev: dict) -> None:
        msg = (ev.get("data") or {}).get("message") or {}
        if ev["type"] != "message.created" or msg.get("sender") != "buyer" or not assigned_to(ev, self.agent.id):
            return
        cid = f"re-{msg['id']}"
        if cid in self.sent:  # seen twice: the delivery check reports it; answering once is enough
            return
        self.sent.add(cid)
        task = asyncio.create_task(self.agent.socket.send(
            {"type": "message", "conversation_id": ev["conversation_id"], "text": "亲，已为您查询，请稍等～",
             "client_msg_id": cid}))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def acked(self) -> bool:
        return self.sent <= {f["client_msg_id"] for s in self.agent.sockets for f in s.frames
                             if f.get("type") == "ack"}


async def staff_on(agent: Staff, server=None) -> Answering:
    answering = Answering(agent)
    sock = await agent.connect(server)
    sock.on_event = answering
    await sock.ready()
    return answering


class Floor:
    """A new shop at work: its supervisor and answering agents on instance B, buyers connected to instance A."""

    @classmethod
    async def open(cls, cluster, agents: int, buyers: int) -> Floor:
        f = cls()
        f.team = team = await Team(cluster.db_url, agents=agents, max_chats=buyers).create()
        f.supervisor = await team.login(cluster.b, "supervisor")
        await staff_on(f.supervisor)
        f.agents = [await team.login(cluster.b, "agent", i) for i in range(agents)]
        f.answering = [await staff_on(agent) for agent in f.agents]
        f.buyers = await asyncio.gather(*(team.buyer(cluster.a) for _ in range(buyers)))
        await asyncio.gather(*(buyer.connect() for buyer in f.buyers))
        return f


async def chat(buyer: Buyer, messages: int, tag: str, *, switch_to=None, fallback=None) -> list[str]:
    """Say ``messages`` lines one after the other, each acknowledged before the next; returns their
    client_msg_ids. Halfway the buyer reconnects to ``switch_to`` (a page reload that lands on the other
    instance); when the socket dies, to ``fallback``, sending the unacknowledged line again (same id)."""
    ids = []
    for k in range(messages):
        if switch_to is not None and k == messages // 2:
            await buyer.socket.close()
            await buyer.connect(switch_to)
        cid = f"{tag}-{k}-{uuid.uuid4().hex[:6]}"
        while True:
            try:
                frame = await buyer.say(LINES[k % len(LINES)], cid)
                break
            except (SocketClosed, ConnectionClosed):
                if fallback is None:
                    raise
                await buyer.connect(fallback)
        assert frame["type"] == "ack", frame
        ids.append(cid)
    return ids


async def settle(db_url: str, shop_id: int, watcher: Socket, answering: list[Answering]) -> list[dict]:
    """Wait until the agents' answers are acknowledged and ``watcher`` (a supervisor: owed every event) has
    everything committed; returns the committed log once it stops growing."""
    await watcher.wait(lambda: all(a.acked() for a in answering), "the agents' answers to be acknowledged")
    log: list[dict] = []
    while True:
        fresh = await committed_log(db_url, shop_id)
        if log and len(fresh) == len(log):
            return log
        log, last = fresh, fresh[-1]["id"]
        await watcher.wait(lambda last=last: watcher.last_event_id >= last,
                           f"the supervisor to get event {last} (it has {watcher.last_event_id})")
        await asyncio.sleep(0.3)  # anything the last events set off (routing, greetings) commits meanwhile


async def caught_up(log: list[dict], buyers: list[Buyer], agents: list[Staff]) -> None:
    """Wait until every buyer's and agent's open socket has been sent the last committed event owed to it (the
    supervisor's having it says nothing of the other sockets); a socket that never gets it fails the test."""
    for n, buyer in enumerate(buyers):
        if owed := entitled_buyer(log, buyer):
            await buyer.socket.wait(lambda b=buyer, last=owed[-1]: b.last_seen() >= last,
                                    f"buyer {n} to be sent event {owed[-1]}")
    for agent in agents:
        if owed := [e["id"] for e in log if assigned_to(e, agent.id)]:
            await agent.socket.wait(lambda a=agent, last=owed[-1]: max(e["id"] for e in a.events) >= last,
                                    f"agent {agent.id} to be sent event {owed[-1]}")


def check_delivery(log: list[dict], watcher: Socket, buyers: list[Buyer], agents: list[Staff], killed=None) -> None:
    """Every committed event reached every socket entitled to it exactly once and in order, across reconnects;
    no socket got an error frame or an abnormal close (but those to the ``killed`` server)."""
    ids = [e["id"] for e in log]
    assert ids == list(range(1, len(ids) + 1)), "event ids are not the shop's positions 1, 2, 3, … without holes"
    last = ids[-1]
    got = [e["id"] for e in watcher.events if e["id"] <= last]
    assert_in_order_once(got, "the supervisor")
    assert got == ids, f"the supervisor missed events {sorted(set(ids) - set(got))[:20]}"
    for e in watcher.events[:len(got)]:  # the same events, not just the same ids
        assert (e["type"], e["conversation_id"]) == (log[e["id"] - 1]["type"], log[e["id"] - 1]["conversation_id"])
    for n, buyer in enumerate(buyers):
        got = [e["id"] for e in buyer.events if e["id"] <= last]
        assert_in_order_once(got, f"buyer {n}")
        owed = entitled_buyer(log, buyer)
        assert got == owed, f"buyer {n}: missed {sorted(set(owed) - set(got))[:10]}, not theirs: " \
                            f"{sorted(set(got) - set(owed))[:10]}"
    for agent in agents:
        got = [e["id"] for e in agent.events if e["id"] <= last]
        assert_in_order_once(got, f"agent {agent.id}")
        missed = [e["id"] for e in log if assigned_to(e, agent.id) and e["id"] not in set(got)]
        assert not missed, f"agent {agent.id} missed events of their own chats: {missed[:10]}"
    sockets = [s for s in [watcher, *itertools.chain.from_iterable(p.sockets for p in [*buyers, *agents])]
               if killed is None or not s.url.startswith(killed.ws + "/")]
    assert not bad_frames(sockets), bad_frames(sockets)[:5]


async def resync(staff: Staff, server, after: int) -> list[int]:
    """A fresh socket resuming after ``after``: the ids it replays before its ready frame."""
    sock = await staff.connect(server, after)
    try:
        await sock.ready()
        ready_at = next(i for i, f in enumerate(sock.frames) if f.get("type") == "ready")
        return [f["event"]["id"] for f in sock.frames[:ready_at] if f.get("type") == "event"]
    finally:
        await sock.close()


# ---------------------------------------------------------------- the database, read as the product reads it
async def committed_log(db_url: str, shop_id: int) -> list[dict]:
    """Every committed event of the shop in wire form, in order: what a resync from 0 must return."""
    from sqlalchemy import func, select

    from kefu.core.events import Event, events_after

    db = Database(db_url)
    try:
        out: list[dict] = []
        async with db.transaction() as s:
            while batch := await events_after(s, shop_id, out[-1]["id"] if out else 0, limit=1000):
                out += batch
            rows = await s.scalar(select(func.count()).select_from(Event).where(Event.shop_id == shop_id))
        assert rows == len(out), f"{rows} event rows in the shop, but reading the log after 0 returns {len(out)}"
        return out
    finally:
        await db.dispose()


async def stored_messages(db_url: str, shop_id: int) -> list[dict]:
    from sqlalchemy import select

    from kefu.conversations.models import Message

    db = Database(db_url)
    try:
        async with db.transaction() as s:
            rows = await s.scalars(select(Message).where(Message.shop_id == shop_id).order_by(Message.id))
            return [{"id": m.id, "conversation_id": m.conversation_id, "sender": m.sender, "text": m.text,
                     "client_msg_id": m.client_msg_id} for m in rows]
    finally:
        await db.dispose()


# ---------------------------------------------------------------- what a socket is owed
def entitled_buyer(log: list[dict], buyer: Buyer) -> list[int]:
    """Ids of the events the buyer's sockets must have been sent: their own, not private, after the session."""
    from kefu.conversations.events import for_buyer

    return [e["id"] for e in log if e["id"] > buyer.start_after and for_buyer(e, buyer.customer_id) is not None]


def assigned_to(ev: dict, agent_id: int) -> bool:
    """The event's own snapshot of its conversation names this agent as the assignee."""
    conv = (ev.get("data") or {}).get("conversation") or {}
    return ev.get("conversation_id") is not None and conv.get("assignee_id") == agent_id


def assert_in_order_once(ids: list[int], who: str) -> None:
    dups = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert not dups, f"{who} was sent events {dups[:10]} more than once"
    assert ids == sorted(ids), f"{who} got events out of order: {[b for a, b in itertools.pairwise(ids) if b < a][:10]}"


def ack_frames(sockets: list[Socket]) -> list[dict]:
    return [f for s in sockets for f in s.frames if f.get("type") == "ack"]


def bad_frames(sockets: list[Socket]) -> list[Any]:
    """Error frames and abnormal closes (1011: the server failed; anything but a normal end)."""
    errors = [f for s in sockets for f in s.frames if f.get("type") == "error"]
    return errors + [f"closed {s.closed}" for s in sockets if s.closed not in (None, 1000, 1001)]
