"""Redis or PostgreSQL down for both instances (issue #11, point 7), through fault proxies: the real servers stay
up for the rest of the suite.

Redis down: each instance keeps serving its own clients and catches up the other's events from the event log;
staff sockets are told the bus is degraded, then live again. PostgreSQL down: clear 503s and error frames, no
closed sockets, and recovery by itself."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.multiproc.chat import assert_in_order_once, bad_frames
from tests.multiproc.conftest import Cluster, namespace
from tests.multiproc.harness import (
    Staff,
    Team,
    assert_no_tracebacks,
    deployment_env,
    needs_pg_and_redis,
    server,
    start_all,
)
from tests.multiproc.proxy import FaultProxy

pytestmark = needs_pg_and_redis
DOWN_TEXT = {"code": "database_unavailable", "zh": "系统繁忙，数据库暂时无法访问，请稍后重试",
             "en": "The database is unreachable for the moment; please try again shortly"}


@pytest.fixture(scope="module")
def proxied(pg, redis_url, workdir):
    """Two instances that reach PostgreSQL and Redis only through fault proxies."""
    pg_port = int(pg.rsplit(":", 1)[1].split("/")[0])
    redis_port = int(os.environ["KEFU_REDIS_URL"].rsplit(":", 1)[1].split("/")[0])
    db_proxy, redis_proxy = FaultProxy(pg_port), FaultProxy(redis_port)
    env = deployment_env(workdir, db_proxy.rewrite(pg), redis_proxy.rewrite(redis_url), namespace())
    cluster = Cluster(pg, redis_url, start_all(server("pa", env, workdir), server("pb", env, workdir)))
    cluster.db_proxy, cluster.redis_proxy = db_proxy, redis_proxy
    yield cluster
    cluster.stop()
    db_proxy.close()
    redis_proxy.close()


@pytest.fixture
def outage(proxied):
    proxied.ensure_up()
    yield proxied
    proxied.db_proxy.restore()
    proxied.redis_proxy.restore()


def said(sock, text: str):
    """The message.created event of ``text`` on ``sock``, once there."""
    return sock.wait(lambda: next((e for e in sock.events if e["type"] == "message.created"
                                   and e["data"]["message"]["text"] == text), None), f"the line {text!r}")


def bus_state(sock) -> str | None:
    """What the socket was last told of cross-instance delivery: the ready frame's "bus", then "bus" frames."""
    states = [f.get("bus") if f["type"] == "ready" else f.get("state") for f in sock.frames
              if f["type"] == "bus" or (f["type"] == "ready" and "bus" in f)]
    return states[-1] if states else None


async def reply(agent: Staff, conversation_id: int, text: str) -> None:
    await agent.socket.send({"type": "message", "conversation_id": conversation_id, "text": text,
                             "client_msg_id": text})


def test_redis_down_instances_catch_up_from_the_log_and_staff_are_told(outage):
    asyncio.run(redis_down(outage))
    assert_no_tracebacks(*outage.servers)


async def redis_down(cluster) -> None:
    team = await Team(cluster.db_url, agents=1).create()
    supervisor = await team.login(cluster.b, "supervisor")
    agent = await team.login(cluster.b)
    for staff in (supervisor, agent):
        await (await staff.connect()).ready()
    assert bus_state(supervisor.socket) == "live"
    buyer = await team.buyer(cluster.a)
    await buyer.connect()
    await buyer.say("在吗？想问下发货时间")
    conv = (await said(agent.socket, "在吗？想问下发货时间"))["conversation_id"]

    watching = supervisor.socket
    cluster.redis_proxy.cut()
    await watching.wait(lambda: bus_state(watching) == "degraded", "the bus to be degraded")
    late = await supervisor.connect(cluster.b)  # a supervisor opening the page now is told at once
    assert (await late.ready()).get("bus") == "degraded"
    await buyer.say("Redis 断了也能收到吗")
    await said(agent.socket, "Redis 断了也能收到吗")  # written on A, read from the log on B
    await reply(agent, conv, "能收到的，亲")
    await said(buyer.socket, "能收到的，亲")  # written on B, read from the log on A

    cluster.redis_proxy.restore()
    await watching.wait(lambda: bus_state(watching) == "live", "the bus to be live again")
    await late.wait(lambda: bus_state(late) == "live", "the bus to be live again on the later socket")
    await buyer.say("恢复了吗")
    await said(agent.socket, "恢复了吗")
    await reply(agent, conv, "恢复了")
    await said(buyer.socket, "恢复了")
    for who, sock in (("buyer", buyer.socket), ("agent", agent.socket), ("supervisor", watching)):
        assert_in_order_once([e["id"] for e in sock.events], who)
    assert not bad_frames([buyer.socket, *agent.sockets, *supervisor.sockets])


def test_postgresql_down_gives_clear_503s_and_error_frames_then_recovers_by_itself(outage):
    asyncio.run(postgres_down(outage))
    assert_no_tracebacks(*outage.servers)


async def postgres_down(cluster) -> None:
    team = await Team(cluster.db_url, agents=1).create()
    agent = await team.login(cluster.a)
    await (await agent.connect(cluster.b)).ready()
    buyer = await team.buyer(cluster.a)
    await buyer.connect()
    await buyer.say("你好")
    widget = {"x-visitor-token": buyer.token}

    cluster.db_proxy.cut()
    async with agent.http() as http:
        for url, headers in (("/api/conversations", {}), ("/api/widget/conversation", widget)):
            r = await http.get(url, headers=headers)
            assert r.status_code == 503, r.text
            assert {k: r.json()["error"][k] for k in DOWN_TEXT} == DOWN_TEXT
        frame = await buyer.say("数据库挂了还能发吗", "while-down")
        assert frame["type"] == "error" and frame["code"] == "database_unavailable", frame
        assert buyer.socket.closed is None  # the socket stays: the widget can send again

        cluster.db_proxy.restore()
        assert (await http.get("/api/conversations")).status_code == 200
        assert (await http.get("/api/widget/conversation", headers=widget)).status_code == 200
    assert (await buyer.say("数据库挂了还能发吗", "while-down"))["type"] == "ack"
    await said(agent.socket, "数据库挂了还能发吗")
