"""Helpers of `kefu bench chat` and `kefu replay`: a bench shop made with kefu's own services, and server
processes (kefu instances or the relay) on loopback ports with their logs in files and their memory sampled."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD_BYTES = 12
# A kefu instance with the open-files limit raised first (thousands of sockets on one process).
SERVE = ("import resource, sys\n"
         "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
         "resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))\n"
         "from kefu.cli import app\n"
         "app(['serve', '--host', '127.0.0.1', '--port', sys.argv[1]])\n")


def seats(conversations: int, agents: int | None) -> tuple[int, int]:
    """(agents, max_chats) so that every conversation gets an agent: a seat per chat plus two spare, at most
    50 chats per agent (kefu's limit), so more agents when asked for too few. By default one agent per 10
    chats: a busy 大促 agent, who answers their buyers from one workspace socket."""
    agents = agents or max(1, math.ceil(conversations / 10))
    agents = max(agents, math.ceil(conversations / 48))
    return agents, min(50, math.ceil(conversations / agents) + 2)


async def prepare_shop(url: str, secret: str, buyers: int, agents: int, max_chats: int,
                       password: str | None = None) -> dict:
    """A fresh, uniquely named shop with ``agents`` online agents (one session each) and ``buyers`` visitors.
    Returns the slug, [(agent id, username, session token)] and the buyers' visitor tokens. argon2 runs once:
    every bench agent shares one password hash."""
    from kefu.agents import rules
    from kefu.agents.models import Agent, AgentSession
    from kefu.agents.service import set_presence
    from kefu.core.clock import now
    from kefu.core.db import Database
    from kefu.core.security import VisitorTokens, hash_password, new_token, token_hash
    from kefu.customers.service import start_visitor
    from kefu.shops.service import create_shop

    tag = f"bench-{time.strftime('%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    password = password or secrets.token_urlsafe(PASSWORD_BYTES)
    pw_hash = hash_password(rules.check_password(password))
    tokens = VisitorTokens(secret)
    db = Database(url)
    try:
        await db.migrate()
        async with db.transaction() as s:
            shop = await create_shop(s, tag, f"压测店铺 {tag}")
            staff = [Agent(shop_id=shop.id, username=rules.check_username(f"{tag}-a{i + 1}"),
                           display_name=f"压测客服{i + 1}", password_hash=pw_hash, role="agent",
                           group=("售前", "售后")[i % 2], skills=[], max_chats=rules.check_max_chats(max_chats),
                           presence="offline") for i in range(agents)]
            s.add_all(staff)
            await s.flush()
            logins = []
            for a in staff:
                token = new_token()
                s.add(AgentSession(token_hash=token_hash(token), shop_id=shop.id, agent_id=a.id,
                                   expires_at=now() + timedelta(hours=12)))
                await set_presence(s, a, "online")
                logins.append((a.id, a.username, token))
            visitors = [(await start_visitor(s, tokens, shop, None, f"压测买家{i + 1}"))[1] for i in range(buyers)]
        return {"slug": tag, "shop_id": shop.id, "agents": logins, "buyers": visitors, "password": password}
    finally:
        await db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


class Servers:
    """Processes serving HTTP on loopback ports: started, waited for (/healthz), sampled, stopped."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []
        self.logs: list[Path] = []
        self.peak_rss_kb = 0
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        self._cpu0 = 0.0
        self._t0 = 0.0
        self._cut: list[int] | None = None  # log sizes when stop() began

    def start(self, argv: list[str], env: dict[str, str], log: Path) -> int:
        port = free_port()
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as fh:
            proc = subprocess.Popen([*argv, str(port)], env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        self.ports.append(port)
        self.logs.append(log)
        return port

    def start_kefu(self, k: int, env: dict[str, str], log_dir: Path) -> None:
        for i in range(k):
            self.start([sys.executable, "-c", SERVE], env, log_dir / f"kefu-{i + 1}.log")

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        for proc, port, log in zip(self.procs, self.ports, self.logs, strict=True):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}; see {log}")
                with contextlib.suppress(OSError), \
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server on port {port} not ready after {timeout:.0f} s; see {log}")
                time.sleep(0.2)

    def _rss_kb(self) -> int:
        total = 0
        for p in self.procs:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total

    def _cpu_s(self) -> float:
        total = 0.0
        for p in self.procs:
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def sample(self) -> None:
        """Start sampling memory (peak of the summed VmRSS) and CPU from now on."""
        self._cpu0, self._t0 = self._cpu_s(), time.monotonic()

        def loop() -> None:
            while not self._stop.wait(0.5):
                self.peak_rss_kb = max(self.peak_rss_kb, self._rss_kb())

        self.peak_rss_kb = self._rss_kb()
        self._sampler = threading.Thread(target=loop, daemon=True)
        self._sampler.start()

    def cpu_percent(self) -> float:
        """CPU used since sample(), in per cent of one core."""
        return round(100 * (self._cpu_s() - self._cpu0) / max(1e-6, time.monotonic() - self._t0), 1)

    def tracebacks(self) -> tuple[int, int]:
        """Tracebacks logged (while serving, while stopping): stopping a server that still has a backlog
        cancels its work in flight, which logs too, but is not what a client saw."""
        serving = stopping = 0
        for log, cut in zip(self.logs, self._cut or [None] * len(self.logs), strict=True):
            text = log.read_bytes() if log.exists() else b""
            cut = len(text) if cut is None else cut
            serving += text[:cut].count(b"Traceback")
            stopping += text[cut:].count(b"Traceback")
        return serving, stopping

    def stop(self) -> None:
        self._cut = [p.stat().st_size if p.exists() else 0 for p in self.logs]
        self._stop.set()
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
