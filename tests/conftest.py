"""Shared fixtures. One app per test session; every test makes its own shop, so tests never share rows.

KEFU_DATABASE_URL selects PostgreSQL (the tables are dropped and migrated from empty first);
otherwise a fresh SQLite file is used. KEFU_REDIS_URL switches the event bus to Redis.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kefu.app import create_app
from kefu.core import security
from kefu.core.config import Settings, normalize_database_url
from kefu.core.db import Database

PASSWORD = "correct-horse-1"
_counter = itertools.count(1)


class MemoHasher:
    """The product's argon2 hasher (same parameters), memoised per test process: a password is hashed once and
    a (hash, password) pair verified once. argon2 is slow on purpose (~0.2 s a call) and the tests make hundreds
    of agents with one password: unmemoised it was a third of the suite's time. Both are pure functions of
    their inputs but for the salt, so agents with the same password share one real argon2 hash."""

    def __init__(self, real) -> None:
        self.real = real
        self.hashes: dict[str, str] = {}
        self.verified: dict[tuple[str, str], bool | Exception] = {}

    def hash(self, password: str) -> str:
        if password not in self.hashes:
            self.hashes[password] = self.real.hash(password)
        return self.hashes[password]

    def verify(self, password_hash: str, password: str) -> bool:
        key = (password_hash, password)
        if key not in self.verified:
            try:
                self.verified[key] = self.real.verify(password_hash, password)
            except Exception as exc:  # VerificationError, InvalidHashError: raised again on every call
                self.verified[key] = exc
        outcome = self.verified[key]
        if isinstance(outcome, Exception):
            raise type(outcome)(*outcome.args)
        return outcome

    def __getattr__(self, name: str):
        return getattr(self.real, name)


security._hasher = MemoHasher(security._hasher)


def pg_url() -> str | None:
    url = os.environ.get("KEFU_DATABASE_URL", "")
    return normalize_database_url(url) if url.startswith("postgres") else None


async def reset_postgres(url: str) -> None:
    from sqlalchemy import text

    db = Database(url)
    async with db.engine.begin() as conn:
        # The test database is the suite's own: start from an empty schema so migrations run from nothing
        # and nothing another branch left behind can interfere.
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await db.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = pg_url()
    if url:
        asyncio.run(reset_postgres(url))
        return url
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'kefu-test.db'}"


@pytest.fixture(scope="session")
def settings(database_url, tmp_path_factory) -> Settings:
    # The background timer loop is off: tests run due timers themselves on a frozen clock.
    # So is the router: tests that need automatic assignment run a pass themselves (or start one).
    return Settings(database_url=database_url, secret_key="test-secret-key-" + "x" * 32, scheduler_interval=0,
                    routing_auto=False, gc_tune=False, nlu_workers=0,
                    data_dir=Path(tmp_path_factory.mktemp("data")), redis_url=os.environ.get("KEFU_REDIS_URL", ""))


@pytest.fixture(scope="session")
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


class AgentApi:
    """An agent's browser: its own session cookie and CSRF token sent on every call."""

    def __init__(self, client: TestClient, session_token: str, info: dict) -> None:
        self.client = client
        self.csrf = uuid.uuid4().hex + uuid.uuid4().hex
        self.cookie = f"kefu_session={session_token}; kefu_csrf={self.csrf}"
        self.info = info
        self.id = info["id"]

    def headers(self, extra: dict | None = None) -> dict:
        return {"cookie": self.cookie, "x-csrf-token": self.csrf, **(extra or {})}

    def get(self, url: str, **kw):
        return self.client.get(url, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: dict | None = None, **kw):
        return self.client.post(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, json: dict | None = None, **kw):
        return self.client.put(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, json: dict | None = None, **kw):
        return self.client.patch(url, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def ws(self, last_event_id: int = 0):
        return self.client.websocket_connect(f"/ws/agent?last_event_id={last_event_id}",
                                             headers={"cookie": self.cookie})


class BuyerApi:
    def __init__(self, client: TestClient, session: dict) -> None:
        self.client = client
        self.token = session["token"]
        self.session = session

    def headers(self) -> dict:
        return {"x-visitor-token": self.token}

    def get(self, url: str, **kw):
        return self.client.get(url, headers=self.headers(), **kw)

    def post(self, url: str, json: dict | None = None, **kw):
        return self.client.post(url, json=json, headers=self.headers(), **kw)

    def send(self, text: str, client_msg_id: str | None = None, lang: str | None = None):
        """POST a message as the widget does; ``lang`` is the widget's language (None: not sent, i.e. zh)."""
        body = {"text": text, "client_msg_id": client_msg_id, **({"lang": lang} if lang is not None else {})}
        return self.post("/api/widget/messages", body)

    def ws(self, last_event_id: int = 0):
        return self.client.websocket_connect(f"/ws/buyer?token={self.token}&last_event_id={last_event_id}")


class World:
    """Creates shops, agents and buyers for one test through the app's own services and API."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.db: Database = client.app.state.db

    def run(self, fn, *args):
        return self.client.portal.call(fn, *args)

    def shop(self, name: str = "测试店铺"):
        from kefu.shops.service import create_shop

        slug = f"shop-{next(_counter)}-{uuid.uuid4().hex[:6]}"

        async def go():
            async with self.db.transaction() as s:
                return await create_shop(s, slug, name)

        return self.run(go)

    def agent(self, shop, role: str = "agent", group: str = "售前", name: str = "小李", login: bool = True,
              skills: str = "", max_chats: int = 5):
        from kefu.agents.service import create_agent

        username = f"{role}-{next(_counter)}-{uuid.uuid4().hex[:6]}"

        async def go():
            async with self.db.transaction() as s:
                return await create_agent(s, shop.id, username=username, password=PASSWORD, display_name=name,
                                          role=role, group=group, skills=skills, max_chats=max_chats)

        agent = self.run(go)
        if not login:
            return agent
        return self.login(username)

    def login(self, username: str, password: str = PASSWORD) -> AgentApi:
        r = self.client.post("/api/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        token = r.cookies.get("kefu_session")
        self.client.cookies.clear()
        return AgentApi(self.client, token, r.json()["agent"])

    def buyer(self, shop, token: str | None = None) -> BuyerApi:
        r = self.client.post(f"/api/widget/{shop.slug}/session", json={"token": token})
        assert r.status_code == 200, r.text
        return BuyerApi(self.client, r.json())


@pytest.fixture
def world(client, settings) -> World:
    # Process-wide settings a timer handler reads (where attachment files live): another test may have made an
    # app with its own data dir in this process (tests/test_cli.py); point them back at the shared app's.
    from kefu.attachments.service import configure as configure_attachments

    configure_attachments(settings.data_dir)
    return World(client)


@pytest.fixture
def frozen():
    """The app's clock, frozen now; advance it with frozen.advance(seconds=...)."""
    from kefu.core.clock import clock

    clock.freeze()
    try:
        yield clock
    finally:
        clock.unfreeze()


# ---------------------------------------------------------------- order of the files on the xdist workers
# `--dist loadfile` hands each worker whole files. xdist queues them by number of tests, so the browser files
# (few tests, a server and Chromium each: the slowest files) came last and one worker ran on alone at the end.
# Here they go first, most browser tests first, and the many small files even out the finish.
def pytest_configure(config):
    if getattr(config.option, "dist", "no") == "loadfile":
        config.option.loadscopereorder = False  # keep the order below (pytest-xdist ≥ 3.6)


def pytest_collection_modifyitems(config, items):
    browser = Counter(item.path for item in items if item.get_closest_marker("browser"))
    items.sort(key=lambda item: -browser[item.path])  # stable: files stay whole and in order


def pytest_unconfigure(config):
    browser = sys.modules.get("tests.web.browser")
    if browser is not None:
        browser.stop_servers()  # the kefu servers the browser tests shared
