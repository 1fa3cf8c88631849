"""Logging out on one process closes the agent's socket on the other at once (issue #14 point 3): the end of a
login travels as an event like every other, through Redis or the log."""

from __future__ import annotations

import asyncio

from tests.multiproc.harness import Team, assert_no_tracebacks, needs_pg_and_redis

pytestmark = needs_pg_and_redis


def test_logout_on_one_process_closes_the_socket_on_the_other(cluster):
    asyncio.run(logout_everywhere(cluster))
    assert_no_tracebacks(*cluster.servers)


async def logout_everywhere(cluster) -> None:
    team = await Team(cluster.db_url, agents=1, supervisors=0).create()
    agent = await team.login(cluster.b)
    sock = await agent.connect(cluster.b)
    await sock.ready()
    agent.server = cluster.a  # the same login, its logout sent to the other process
    async with agent.http() as http:
        r = await http.post("/api/auth/logout", headers={"x-csrf-token": agent.csrf})
    assert r.status_code == 200, r.text
    await sock.wait(lambda: sock.closed is not None, "the socket on the other process to close", timeout=5)
    assert sock.closed == 1008
