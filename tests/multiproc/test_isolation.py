"""Two deployments sharing one Redis server (issue #11: a buyer's phone number reached another deployment's agent).
Each deployment's channels carry its own namespace, by default derived from its database URL."""

from __future__ import annotations

import asyncio

from tests.multiproc.harness import Team, assert_no_tracebacks, deployment_env, needs_pg_and_redis, server, start_all

pytestmark = needs_pg_and_redis


def test_another_deployment_on_the_same_redis_never_sees_our_events(cluster, other_database, workdir):
    # The other deployment: its own database, the same Redis, no KEFU_NAMESPACE (the default, from its URL).
    env = deployment_env(workdir, other_database, cluster.redis_url, namespace=None)
    (theirs,) = start_all(server("other-deployment", env, workdir))
    try:
        asyncio.run(isolated(cluster, other_database, theirs))
        assert_no_tracebacks(*cluster.servers, theirs)
    finally:
        theirs.stop()


async def isolated(cluster, other_database: str, theirs) -> None:
    ours = await Team(cluster.db_url, agents=0).create()
    # Their shop has our shop's id, as two young deployments' first shops both have id 1.
    other = await Team(other_database, agents=0, shop_id=ours.shop_id).create()
    their_supervisor = await other.login(theirs, "supervisor")
    await (await their_supervisor.connect()).ready()
    our_supervisor = await ours.login(cluster.b, "supervisor")
    await (await our_supervisor.connect()).ready()

    buyer = await ours.buyer(cluster.a)
    await buyer.connect()
    await buyer.say("我的手机号是13812345678，帮我改下收货地址")
    sock = our_supervisor.socket
    line = "帮我改下收货地址"  # staff see the phone masked (kefu.privacy): the rest of the line tells it
    await sock.wait(lambda: any(line in str(e["data"]) for e in sock.events), "our supervisor to see it")
    # Then a line in their own shop: it must be the first thing their supervisor is sent.
    their_buyer = await other.buyer(theirs)
    await their_buyer.connect()
    await their_buyer.say("在吗")
    theirs_sock = their_supervisor.socket

    def seen(text: str) -> bool:
        return any(text in str(e["data"]) for e in theirs_sock.events)

    await theirs_sock.wait(lambda: seen("在吗") or seen(line), "their own line")
    assert not seen(line) and not seen("5678"), "our buyer's message reached the other deployment's supervisor"

