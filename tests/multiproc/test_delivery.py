"""Two instances of one deployment under load (issue #11, points 4–6): every committed event reaches every socket
entitled to it exactly once and in order, across reconnects to the other instance; no deadlock closes a socket;
and killing one instance with kill -9 loses and duplicates nothing its buyers were told was sent."""

from __future__ import annotations

import asyncio
import os
from collections import Counter

from tests.multiproc.chat import Floor, ack_frames, caught_up, chat, check_delivery, resync, settle, stored_messages
from tests.multiproc.harness import (
    assert_no_tracebacks,
    needs_pg_and_redis,
)

pytestmark = needs_pg_and_redis

BUYERS = 30
# Lines per buyer, each answered by its agent once the chat is theirs: about 2 × 30 × 8 = 480 chat messages and as
# many events again. KEFU_MULTIPROC_MESSAGES=100 makes it a soak run of several thousand messages.
MESSAGES = int(os.environ.get("KEFU_MULTIPROC_MESSAGES", "8"))


def test_every_event_reaches_every_entitled_socket_once_and_in_order(cluster):
    asyncio.run(ordered_delivery(cluster))
    assert_no_tracebacks(*cluster.servers)


async def ordered_delivery(cluster) -> None:
    f = await Floor.open(cluster, agents=3, buyers=BUYERS)
    team, supervisor, agents, answering, buyers = f.team, f.supervisor, f.agents, f.answering, f.buyers
    # Buyers talk in parallel on A; halfway each reloads the page and lands on B.
    await asyncio.gather(*(chat(b, MESSAGES, f"b{n}", switch_to=cluster.b) for n, b in enumerate(buyers)))

    log = await settle(cluster.db_url, team.shop_id, supervisor.socket, answering)
    await caught_up(log, buyers, agents)
    check_delivery(log, supervisor.socket, buyers, agents)
    said = [e["data"]["message"]["sender"] for e in log if e["type"] == "message.created"]
    assert said.count("buyer") == BUYERS * MESSAGES and said.count("agent") == sum(len(a.sent) for a in answering) > 0
    # A supervisor reconnecting on the other instance from halfway through gets exactly the rest.
    ids = [e["id"] for e in log]
    half = ids[len(ids) // 2]
    assert [i for i in await resync(supervisor, cluster.a, half) if i <= ids[-1]] == ids[len(ids) // 2 + 1:]


def test_kill_9_of_one_instance_loses_and_duplicates_no_acknowledged_message(cluster):
    asyncio.run(kill_one_under_load(cluster))
    assert_no_tracebacks(cluster.b)  # A died mid-sentence; B served everyone since


async def kill_one_under_load(cluster, buyers_n: int = 20, messages: int = MESSAGES) -> None:
    f = await Floor.open(cluster, agents=2, buyers=buyers_n)
    team, supervisor, agents, answering, buyers = f.team, f.supervisor, f.agents, f.answering, f.buyers

    async def kill_midway() -> None:
        while len(ack_frames([s for b in buyers for s in b.sockets])) < buyers_n * messages // 3:
            await asyncio.sleep(0.02)
        cluster.a.kill9()

    sent = await asyncio.gather(*(chat(b, messages, f"k{n}", fallback=cluster.b) for n, b in enumerate(buyers)),
                                kill_midway())
    acked = {cid for ids in sent[:-1] for cid in ids}
    assert not cluster.a.alive and any(b.server is cluster.b for b in buyers)
    for buyer in buyers:  # those done before A died come back too, as the widget does
        if buyer.socket.closed is not None:
            await buyer.connect(cluster.b)

    log = await settle(cluster.db_url, team.shop_id, supervisor.socket, answering)
    await caught_up(log, buyers, agents)
    stored = Counter(m["client_msg_id"] for m in await stored_messages(cluster.db_url, team.shop_id)
                     if m["sender"] == "buyer")
    lost, unexpected = sorted(acked - set(stored)), sorted(set(stored) - acked)
    assert not lost and not unexpected, f"lost: {lost[:5]}, stored but never acknowledged: {unexpected[:5]}"
    assert [cid for cid, n in stored.items() if n > 1] == [], "stored twice"
    seen = Counter(e["data"]["message"]["client_msg_id"] for e in supervisor.events
                   if e["type"] == "message.created" and e["data"]["message"]["sender"] == "buyer")
    assert seen == Counter(acked), "the supervisor did not see every buyer message exactly once"
    check_delivery(log, supervisor.socket, buyers, agents, killed=cluster.a)
