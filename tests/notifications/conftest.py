"""A local webhook receiver and the steps that make queued deliveries go out (their timers, then the sends)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST (headers, raw body) and answers with the next
    status of ``script`` (200 once the script is used up)."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], str]] = []
        self.script: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.script.pop(0) if receiver.script else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/kefu-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def deliver(world) -> None:
    """Run the delivery timers due by the (frozen) clock, then wait for the sends they started to be recorded.
    Other tests' timers in the shared database wait their turn."""
    from kefu.core.scheduler import run_due
    from kefu.notifications.jobs import sender
    from kefu.notifications.service import DELIVER_TIMER

    world.run(lambda: run_due(world.db, limit=10_000, kinds={DELIVER_TIMER}))
    world.run(sender.settle)


def run_sla_timers(world) -> None:
    from kefu.core.scheduler import run_due
    from kefu.sla.service import BREACH_TIMER, WARN_TIMER

    world.run(lambda: run_due(world.db, limit=10_000, kinds={WARN_TIMER, BREACH_TIMER}))
