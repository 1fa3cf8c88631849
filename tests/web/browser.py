"""Shared setup of the browser tests: Debian's Chromium, and a real kefu server in a subprocess on its own
port (its shops and agents made with the CLI). With KEFU_DATABASE_URL=postgres… the database is shared with
the other tests, which is fine: each browser test makes its own shops."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
needs_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


def in_chromium(test):
    """The marks of needs_chromium on one test, in a module whose other tests need no browser."""
    for mark in needs_chromium:
        test = mark(test)
    return test


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


def server_env(data: Path, secret: str, **extra: str) -> dict:
    """The server's environment: its own data dir and secret; SQLite in ``data`` unless PostgreSQL is set."""
    env = {**os.environ, "KEFU_DATA_DIR": str(data), "KEFU_SECRET_KEY": secret + "-" + "k" * 40,
           "KEFU_LOG_LEVEL": "warning", **extra}
    if not os.environ.get("KEFU_DATABASE_URL", "").startswith("postgres"):
        env["KEFU_DATABASE_URL"] = f"sqlite:///{data / 'kefu.db'}"
    return env


@contextmanager
def serving(env: dict, data: Path) -> Iterator[str]:
    """Run `kefu serve` until the block ends; yields its base URL once /healthz answers."""
    port = free_port()
    log = (data / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "kefu", "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start:\n{(data / 'server.log').read_text()}")
        time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
