"""Fixtures of the multi-process tests: real `kefu serve` processes over PostgreSQL + Redis.

The servers use the suite's test database (KEFU_DATABASE_URL), after the session's one reset and migration
(the ``database_url`` fixture of tests/conftest.py): nothing here drops or migrates it while other tests run,
and every test makes its own shop. Their Redis channels carry a namespace of their own, so the suite's
in-process app on the same Redis never sees their events; they run no timers (see deployment_env) and are
stopped when this folder's tests end, so their router never runs beside the other tests.
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import pytest

from kefu.core.db import Database
from tests.multiproc.harness import Server, deployment_env, server, start_all


class Cluster:
    """Two servers of one deployment (``a`` and ``b``) and what they share."""

    def __init__(self, db_url: str, redis_url: str, servers: list[Server]) -> None:
        self.db_url = db_url
        self.redis_url = redis_url
        self.servers = servers
        self.a, self.b = servers

    def ensure_up(self) -> None:
        """A test that killed a server leaves it dead: start it again for the next one."""
        dead = [s for s in self.servers if not s.alive]
        if dead:
            start_all(*dead)
        for s in self.servers:
            s.mark()

    def stop(self) -> None:
        for s in self.servers:
            s.stop()


@pytest.fixture(scope="session")
def pg(database_url) -> str:
    """The suite's PostgreSQL database, reset and migrated once for the session."""
    asyncio.run(_migrate(database_url))
    return database_url


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import os

    return os.environ["KEFU_REDIS_URL"]


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("multiproc")


def namespace() -> str:
    return f"mp-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="package")
def _cluster(pg, redis_url, workdir):
    """Stopped when this folder's tests end: its router must not run beside the rest of the suite."""
    env = deployment_env(workdir, pg, redis_url, namespace())
    cluster = Cluster(pg, redis_url, start_all(server("a", env, workdir), server("b", env, workdir)))
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster(_cluster) -> Cluster:
    """Two instances of one deployment, shared by the tests (each makes its own shop); alive at the start of
    each test, and their logs read from there on."""
    _cluster.ensure_up()
    return _cluster


@pytest.fixture(scope="session")
def other_database(pg):
    """A second, empty database on the same PostgreSQL server: another deployment's. Dropped at the end."""
    parts = urlsplit(pg)
    name = f"{parts.path.lstrip('/')}_mp_{uuid.uuid4().hex[:8]}"
    url = parts._replace(path=f"/{name}").geturl()
    asyncio.run(_admin(pg, f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(_admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, sql: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()
