"""Shared setup of the browser tests: Debian's Chromium, and a real kefu server in a subprocess on its own
port (its shops and agents made with the CLI). With KEFU_DATABASE_URL=postgres… the database is shared with
the other tests, which is fine: each browser test makes its own shops.

A server costs seconds of CPU to start, so a test process keeps one per set of settings (the ``extra`` of
server_env): the modules that ask for the same settings get the same data dir, database and server, each with
its own shops and agents; the servers stop when the tests end (stop_servers). Not on PostgreSQL or Redis:
see serving."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import IO

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# page.evaluate(API, [method, url, body]): a call from the logged-in page, CSRF token included -> [status, json]
API = """async ([method, url, body]) => {
  const r = await fetch(url, {method, headers: {'content-type': 'application/json',
    'x-csrf-token': document.querySelector('meta[name=csrf-token]').content},
    body: body == null ? undefined : JSON.stringify(body)});
  return [r.status, await r.json()];
}"""
needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


def in_chromium(test):
    """The marks of needs_chromium on one test, in a module whose other tests need no browser."""
    for mark in needs_chromium:
        test = mark(test)
    return test


def log_in(page, base: str, username: str, next_: str = "/agent", *, password: str) -> None:
    """Log in through the login form and wait for the page it leads to."""
    page.goto(f"{base}/agent/login?next={next_}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Runs `kefu` commands one after the other in one interpreter, as `python -m kefu` would run each: imports and
# the migration check are paid once (≈1 s a command), and the first command that fails stops the batch.
_EACH = """
import json, sys
from kefu.cli import app
for args in json.loads(sys.argv[1]):
    print("$ kefu", *args, flush=True)
    try:
        app(args, prog_name="kefu")
    except SystemExit as exc:
        if exc.code not in (0, None):
            sys.exit(exc.code)
"""


def kefu_each(env: dict, *commands: tuple[str, ...]) -> None:
    """Run each `kefu` command (a tuple of its arguments), in order, in one subprocess."""
    commands = tuple(
        (*args, "--no-starter") if args[:2] == ("shop", "add") and "--starter" not in args else args
        for args in commands)  # an empty shop unless the test wants the starter kit (and its seconds)
    done = subprocess.run([sys.executable, "-c", _EACH, json.dumps(commands)], env=env, capture_output=True,
                          text=True, timeout=60 + 15 * len(commands))
    assert done.returncode == 0, f"kefu failed:\n{done.stdout}\n{done.stderr}"


def kefu(env: dict, *args: str) -> None:
    kefu_each(env, args)


def add_team(env: dict, slug: str, shop_name: str, password: str, *agents: tuple[str, str, str]) -> None:
    """`kefu shop add`, then `kefu agent add` for each (username, display name, role) with one password."""
    kefu_each(env, ("shop", "add", slug, shop_name),
              *(("agent", "add", username, "--shop", slug, "--password", password, "--name", name, "--role", role)
                for username, name, role in agents))


_envs: dict[tuple, dict] = {}  # settings (server_env's extra) -> the environment of their shared server
_servers: dict[str, tuple[subprocess.Popen, str, IO]] = {}  # data dir -> (process, base URL, log)


def server_env(data: Path, secret: str, **extra: str) -> dict:
    """The server's environment: its data dir and secret; SQLite in the data dir unless PostgreSQL is set. The
    first module asking for these settings (``extra``) gives its ``data`` and ``secret``; later ones share them."""
    key = tuple(sorted(extra.items()))
    if key not in _envs:
        env = {**os.environ, "KEFU_DATA_DIR": str(data), "KEFU_SECRET_KEY": secret + "-" + "k" * 40,
               "KEFU_LOG_LEVEL": "warning", **extra}
        if not os.environ.get("KEFU_DATABASE_URL", "").startswith("postgres"):
            env["KEFU_DATABASE_URL"] = f"sqlite:///{data / 'kefu.db'}"
        _envs[key] = env
    return dict(_envs[key])


@contextmanager
def serving(env: dict, data: Path) -> Iterator[str]:
    """Yields the base URL of `kefu serve` for ``env`` once /healthz answers. On SQLite (the server's own database)
    it is started on first use, shared by the later modules with the same settings and stopped by stop_servers (one
    that died is started again). On PostgreSQL or Redis, which the other tests use too, its timers, router and
    events must not run beside them: it serves this block only."""
    data = Path(env["KEFU_DATA_DIR"])
    if not env["KEFU_DATABASE_URL"].startswith("sqlite") or env.get("KEFU_REDIS_URL"):
        proc, base, log = _start(env, data)
        try:
            yield base
        finally:
            _stop(proc, log)
        return
    proc, base, _log = _servers.get(str(data), (None, "", None))
    if proc is None or proc.poll() is not None:
        _servers[str(data)] = proc, base, _log = _start(env, data)
    yield base


def _start(env: dict, data: Path) -> tuple[subprocess.Popen, str, IO]:
    port = free_port()
    log = (data / "server.log").open("a")
    proc = subprocess.Popen([sys.executable, "-m", "kefu", "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc, base, log
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"server did not start:\n{(data / 'server.log').read_text()}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen, log: IO) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def stop_servers() -> None:
    """Stop every shared server this process started (called when the tests end)."""
    while _servers:
        _data, (proc, _base, log) = _servers.popitem()
        _stop(proc, log)


def buyer_asks(base: str, slug: str, text: str) -> tuple[int, int]:
    """A buyer writes from the widget and asks for a person: (conversation id, customer id)."""

    def call(url: str, body: dict | None, token: str | None = None) -> dict:
        headers = {"content-type": "application/json", **({"x-visitor-token": token} if token else {})}
        req = urllib.request.Request(base + url, json.dumps(body).encode() if body is not None else None, headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    session = call(f"/api/widget/{slug}/session", {"token": None})
    call("/api/widget/messages", {"text": text, "client_msg_id": "b-1"}, session["token"])
    call("/api/widget/handoff", {"client_msg_id": "b-2"}, session["token"])
    conv = call("/api/widget/conversation", None, session["token"])["conversation"]
    return conv["id"], session["customer"]["id"]


@contextmanager
def team_server(tmp_path_factory, name: str, password: str, *people: tuple[str, str, str],
                **extra: str) -> Iterator[SimpleNamespace]:
    """A kefu server of a test module's own: a shop (小鹿优选旗舰店, slug ``name``-tag) and its ``people``, each
    (key, display name, role), who log in as ``key``-tag with ``password``. Yields base, db_url, env, data,
    slug and each key's username. ``extra``: more environment for the server (KEFU_ROUTING_AUTO="false")."""
    data = tmp_path_factory.mktemp(name)
    env = server_env(data, f"{name}-test", **extra)
    tag = uuid.uuid4().hex[:6]
    names = {"slug": f"{name}-{tag}"} | {key: f"{key}-{tag}" for key, _, _ in people}
    add_team(env, names["slug"], "小鹿优选旗舰店", password,
             *((names[key], shown, role) for key, shown, role in people))
    with serving(env, data) as base:
        yield SimpleNamespace(base=base, db_url=env["KEFU_DATABASE_URL"], env=env, data=data, **names)
