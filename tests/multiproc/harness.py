"""Real kefu processes for the multi-process tests, and the clients that talk to them.

A ``Server`` is `python -m kefu serve` on a free 127.0.0.1 port with its own data dir and log file; the
servers of one deployment share the database, Redis, secret key and namespace. ``Team`` makes a shop and its
staff in the database directly (the test process's memoised argon2 hash, see tests/conftest.py) with their
sessions, and sets them online over HTTP so that their presence changes are the servers' own events.
``Buyer``, ``Staff`` and ``Socket`` are the widget and the workspace as a browser drives them: HTTP for the
session, one WebSocket each, every frame kept in arrival order for the asserts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from kefu.core.db import Database
from tests.conftest import PASSWORD  # the one password of every test agent, hashed once per process
from tests.web.browser import free_port

needs_pg_and_redis = pytest.mark.skipif(
    not (os.environ.get("KEFU_DATABASE_URL", "").startswith("postgres") and os.environ.get("KEFU_REDIS_URL")),
    reason="multi-process tests need PostgreSQL and Redis: set KEFU_DATABASE_URL=postgresql://… and "
           "KEFU_REDIS_URL=redis://…")
WAIT = 15.0  # the longest any condition may take before a test fails; a passing test waits far less
_n = itertools.count(1)


# ---------------------------------------------------------------- processes
class Server:
    def __init__(self, name: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.env = env
        self.port = 0
        self.log_path = workdir / f"{name}.log"
        self.data_dir = Path(env["KEFU_DATA_DIR"])
        self.proc: subprocess.Popen | None = None
        self.log_from = 0  # tracebacks() reads the log from here: what the current test caused

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.port = free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            log.write(f"---- {self.name} starts on port {self.port}\n")
            log.flush()
            self.proc = subprocess.Popen([sys.executable, "-m", "kefu", "serve", "--port", str(self.port)],
                                         env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self) -> Server:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.base}/healthz", timeout=1) as r:
                if r.status == 200:
                    return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"{self.name} did not start:\n{self.log_path.read_text()[-4000:]}")
            time.sleep(0.05)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """Dies at once: no shutdown hooks, nothing flushed, sockets reset by the kernel."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        with self.log_path.open("a") as log:
            log.write(f"---- {self.name} killed with SIGKILL\n")

    def stop(self) -> None:
        if self.alive:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def mark(self) -> None:
        self.log_from = self.log_path.stat().st_size

    def tracebacks(self) -> list[str]:
        """Each traceback in the log since mark(), with the lines that say where it came from."""
        with self.log_path.open("rb") as f:
            f.seek(self.log_from)
            lines = f.read().decode(errors="replace").splitlines()
        return ["\n".join(lines[max(0, i - 2):i + 25]) for i, line in enumerate(lines) if "Traceback" in line]


def start_all(*servers: Server) -> list[Server]:
    """Start the processes side by side (each pays its imports at the same time), then wait for each."""
    for server in servers:
        server.start()
    return [server.wait_ready() for server in servers]


def deployment_env(workdir: Path, db_url: str, redis_url: str, namespace: str | None, **extra: str) -> dict:
    """What every server of one deployment shares. Routing runs by itself, as in production. Timers do not: the
    database is the suite's, and the other tests' pending timers (set on frozen clocks) are theirs to run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update({"KEFU_DATABASE_URL": db_url, "KEFU_REDIS_URL": redis_url, "KEFU_ROUTING_AUTO": "true",
                "KEFU_SECRET_KEY": "multiproc-" + uuid.uuid4().hex + "k" * 16, "KEFU_AUTO_MIGRATE": "false",
                "KEFU_LOG_LEVEL": "warning", "KEFU_ROUTING_SWEEP_SECONDS": "1", "KEFU_SCHEDULER_INTERVAL": "0",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2] / "src"),
                                                            os.environ.get("PYTHONPATH")]))})
    if namespace is not None:
        env["KEFU_NAMESPACE"] = namespace
    env.update(extra)
    return env


def server(name: str, env: dict, workdir: Path) -> Server:
    return Server(name, {**env, "KEFU_DATA_DIR": str(workdir / name)}, workdir)


def assert_no_tracebacks(*servers: Server) -> None:
    found = [f"== {s.name} ({s.log_path})\n{tb}" for s in servers for tb in s.tracebacks()]
    assert not found, "server tracebacks:\n" + "\n\n".join(found[:3]) + f"\n({len(found)} in all)"


# ---------------------------------------------------------------- a shop and its people
class Team:
    """A new shop in ``db_url`` with ``agents`` routable agents (capacity ``max_chats`` each) and supervisors."""

    def __init__(self, db_url: str, agents: int = 2, supervisors: int = 1, max_chats: int = 20,
                 shop_id: int | None = None) -> None:
        self.db_url = db_url
        self.spec = (agents, supervisors, max_chats, shop_id)
        self.shop_id = 0
        self.slug = ""
        self.usernames: dict[str, list[str]] = {"agent": [], "supervisor": []}

    async def create(self) -> Team:
        from sqlalchemy import text

        from kefu.agents.service import create_agent
        from kefu.shops.service import create_shop

        agents, supervisors, max_chats, shop_id = self.spec
        tag = f"{os.getpid()}-{next(_n)}-{uuid.uuid4().hex[:6]}"
        db = Database(self.db_url)
        try:
            async with db.transaction() as s:
                if shop_id is not None:  # the same id as another deployment's shop (the isolation test)
                    await s.execute(text("SELECT setval(pg_get_serial_sequence('shops', 'id'), :id, false)"),
                                    {"id": shop_id})
                shop = await create_shop(s, f"mp-{tag}", "多进程测试店")
                self.shop_id, self.slug = shop.id, shop.slug
                for role, count in (("agent", agents), ("supervisor", supervisors)):
                    for i in range(count):
                        username = f"mp-{role}-{i}-{tag}"
                        await create_agent(s, shop.id, username=username, password=PASSWORD,
                                           display_name=f"{role}{i}", role=role, max_chats=max_chats)
                        self.usernames[role].append(username)
        finally:
            await db.dispose()
        return self

    async def login(self, server: Server, role: str = "agent", index: int = 0) -> Staff:
        """A signed-in staff member: the session row a login writes, made here so that no server spends a third
        of a second of its event loop on argon2 per test; then online over HTTP as a login sets a routable
        role, so that the presence change is the server's own event."""
        from datetime import timedelta

        from sqlalchemy import select

        from kefu.agents.models import Agent, AgentSession
        from kefu.agents.rules import presence_at_login
        from kefu.core.clock import now
        from kefu.core.security import new_token, token_hash

        token = new_token()
        db = Database(self.db_url)
        try:
            async with db.transaction() as s:
                agent = await s.scalar(select(Agent).where(Agent.username == self.usernames[role][index]))
                s.add(AgentSession(token_hash=token_hash(token), shop_id=agent.shop_id, agent_id=agent.id,
                                   expires_at=now() + timedelta(hours=1)))
        finally:
            await db.dispose()
        staff = Staff(server, token, agent.id)
        if (presence := presence_at_login(role)) != agent.presence:
            async with staff.http() as http:
                r = await http.put("/api/me/presence", json={"presence": presence})
            assert r.status_code == 200, r.text
        return staff

    async def buyer(self, server: Server) -> Buyer:
        async with _http() as http:
            r = await http.post(f"{server.base}/api/widget/{self.slug}/session", json={})
        assert r.status_code == 200, r.text
        body = r.json()
        return Buyer(server, body["token"], body["customer"]["id"], body["last_event_id"])


def _http() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=WAIT, trust_env=False)


# ---------------------------------------------------------------- sockets
class SocketClosed(AssertionError):
    """The socket ended while a test waited on it."""


class Socket:
    """One WebSocket; a reader task keeps every frame. ``events`` are the event frames' events with an id
    (typing signals have none); ``closed`` is the close code once the server or the network ended it."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.frames: list[dict] = []
        self.closed: int | None = None
        self._changed = asyncio.Event()
        self._ws = None
        self._reader: asyncio.Task | None = None
        self.on_event: Callable[[dict], Any] | None = None

    async def open(self) -> Socket:
        self._ws = await connect(self.url, additional_headers=self.headers, proxy=None, open_timeout=WAIT,
                                 max_size=None, compression=None)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                frame = json.loads(raw)
                self.frames.append(frame)
                if frame.get("type") == "event" and self.on_event is not None:
                    self.on_event(frame["event"])
                self._changed.set()
        except (ConnectionClosed, OSError):
            pass
        code = self._ws.close_code
        self.closed = 1006 if code is None else code
        self._changed.set()

    @property
    def events(self) -> list[dict]:
        return [f["event"] for f in self.frames if f.get("type") == "event" and f["event"].get("id") is not None]

    @property
    def last_event_id(self) -> int:
        ids = [e["id"] for e in self.events]
        return ids[-1] if ids else 0

    def of_type(self, kind: str) -> list[dict]:
        return [f for f in self.frames if f.get("type") == kind]

    async def send(self, frame: dict) -> None:
        await self._ws.send(json.dumps(frame, ensure_ascii=False))

    async def wait(self, condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        """Until ``condition()`` is truthy (checked on every frame); fails the test after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            self._changed.clear()
            if result := condition():
                return result
            if self.closed is not None:
                raise SocketClosed(f"socket closed ({self.closed}) while waiting for {what}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}; last frames: "
                                     f"{self.frames[-3:]}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.2))

    async def ready(self) -> dict:
        return await self.wait(lambda: next(iter(self.of_type("ready")), None), "the ready frame")

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 5)
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader


class Buyer:
    def __init__(self, server: Server, token: str, customer_id: int, last_event_id: int) -> None:
        self.server = server
        self.token = token
        self.customer_id = customer_id
        self.start_after = last_event_id  # the session said: everything after this is new
        self.sockets: list[Socket] = []

    @property
    def socket(self) -> Socket:
        return self.sockets[-1]

    async def connect(self, server: Server | None = None, last_event_id: int | None = None) -> Socket:
        """A socket (again) to ``server``, resuming after the last event any earlier socket of this buyer saw."""
        self.server = server or self.server
        after = self.last_seen() if last_event_id is None else last_event_id
        sock = await Socket(f"{self.server.ws}/ws/buyer?token={self.token}&last_event_id={after}").open()
        self.sockets.append(sock)
        return sock

    def last_seen(self) -> int:
        return max([s.last_event_id for s in self.sockets], default=self.start_after) or self.start_after

    @property
    def events(self) -> list[dict]:
        """Every event this buyer was sent, over all its sockets, in arrival order."""
        return [e for s in self.sockets for e in s.events]

    async def say(self, text: str, client_msg_id: str | None = None) -> dict:
        """Send a message over the socket and wait for its ack (or error) frame."""
        cid = client_msg_id or uuid.uuid4().hex
        sock = self.socket
        start = len(sock.frames)
        await sock.send({"type": "message", "text": text, "client_msg_id": cid})
        return await sock.wait(lambda: next((f for f in sock.frames[start:] if f.get("type") in ("ack", "error")
                                             and f.get("client_msg_id", f.get("ref")) == cid), None),
                               f"the ack of {cid}")


class Staff:
    def __init__(self, server: Server, session: str, agent_id: int) -> None:
        self.server = server
        self.session = session
        self.id = agent_id
        self.sockets: list[Socket] = []
        self.csrf = uuid.uuid4().hex

    @property
    def socket(self) -> Socket:
        return self.sockets[-1]

    async def connect(self, server: Server | None = None, last_event_id: int = 0) -> Socket:
        self.server = server or self.server
        sock = Socket(f"{self.server.ws}/ws/agent?last_event_id={last_event_id}",
                      {"cookie": f"kefu_session={self.session}"})
        self.sockets.append(await sock.open())
        return sock

    @property
    def events(self) -> list[dict]:
        return [e for s in self.sockets for e in s.events]

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.server.base, timeout=WAIT, trust_env=False,
                                 cookies={"kefu_session": self.session, "kefu_csrf": self.csrf},
                                 headers={"x-csrf-token": self.csrf})
