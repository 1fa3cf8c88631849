"""`kefu replay FILE.jsonl`: real dialogues through a running kefu, buyers and an agent as separate clients.

Each line of FILE is a dialogue ``{"turns": [{"role": "customer" | "agent", "text": …}, …]}`` (other keys,
such as session_id, are ignored). Every dialogue gets a new visitor (the widget's session API) on its own
buyer socket; one agent (logged in through the login API) answers on one agent socket, so the agent side
sees all replayed conversations at once. A speaker "types" for ``per_char`` seconds a character (at most
``max_think``) divided by ``speedup`` before each line, and answers only once the other side's line has
arrived (or ``timeout`` passed). When a dialogue ends its conversation is closed, which frees the seat.

Checks: every line arrives exactly once on the other side, in the order it was sent (per conversation and
direction), and each socket's event ids only grow. Reports counts and send → arrival latency.

Without a server URL, starts one itself on SQLite (a temporary data dir) with a fresh shop and agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import tempfile
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

from bench.chat_load import Peer, Stats, raise_nofile, summary
from bench.chat_setup import Servers, child_env, prepare_shop

MAX_TEXT = 5000


def read_dialogues(path: Path, limit: int | None) -> list[list[tuple[str, str]]]:
    """(role, text) turns per dialogue; empty lines and unknown roles are left out, long texts cut to kefu's
    limit, and agent lines before the buyer's first one dropped (a conversation starts with the buyer)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            turns = [(t.get("role"), (t.get("text") or "").strip()[:MAX_TEXT]) for t in json.loads(line)["turns"]]
            turns = [(r, t) for r, t in turns if r in ("customer", "agent") and t]
            while turns and turns[0][0] == "agent":
                turns.pop(0)
            if turns:
                out.append(turns)
            if limit and len(out) >= limit:
                break
    return out


def _http(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[dict, list]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}"), r.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {url}: HTTP {exc.code} {exc.read()[:300]!r}") from exc


class Side(Peer):
    """A socket that records lines of the other side (``expects`` sender) per conversation."""

    def __init__(self, run: Replay, url: str, headers: dict | None, expects: str) -> None:
        super().__init__(run.stats, url, headers)
        self.run, self.expects = run, expects

    def on_message(self, ev: dict, data: dict, msg: dict, t: float) -> None:
        cmid = msg.get("client_msg_id")
        if msg.get("sender") == self.expects and cmid in self.run.sent:
            self.stats.on_delivery(cmid, t)
            self.run.received.setdefault((msg["conversation_id"], self.expects), []).append(cmid)
            self.run.arrived(cmid)


class Replay:
    def __init__(self, base: str, shop: str, cookie: str, speedup: float, per_char: float = 0.25,
                 max_think: float = 8.0, timeout: float = 30.0) -> None:
        self.base, self.shop, self.cookie = base.rstrip("/"), shop, cookie
        self.ws = "ws" + self.base[4:]
        self.speedup, self.per_char, self.max_think, self.timeout = speedup, per_char, max_think, timeout
        self.stats = Stats(t_start=0.0, t_end=float("inf"))  # every message is measured
        self.sent: dict[str, tuple[int, str]] = {}  # client_msg_id -> (dialogue, sender)
        self.order: dict[tuple[int, str], list[str]] = {}  # (conversation, sender) -> client_msg_ids as sent
        self.received: dict[tuple[int, str], list[str]] = {}
        self.waiting: dict[str, asyncio.Event] = {}
        self.csrf = secrets.token_urlsafe(32)
        self.agent: Side | None = None
        self.reader: asyncio.Task | None = None
        self.closed_conversations = 0

    def arrived(self, cmid: str) -> None:
        if cmid in self.waiting:
            self.waiting[cmid].set()

    def _agent_headers(self) -> dict:
        return {"Cookie": f"{self.cookie}; kefu_csrf={self.csrf}", "X-CSRF-Token": self.csrf, "Origin": self.base}

    async def start(self) -> None:
        await asyncio.to_thread(_http, "PUT", f"{self.base}/api/me/presence", {"presence": "online"},
                                self._agent_headers())
        self.agent = Side(self, f"{self.ws}/ws/agent", {"Cookie": self.cookie, "Origin": self.base}, "buyer")
        if not await self.agent.open():
            raise RuntimeError("the agent socket did not open (login or Origin refused)")
        self.reader = asyncio.create_task(self.agent.read())
        await asyncio.wait_for(self.agent.ready.wait(), 30)

    async def _say(self, peer: Peer, frame: dict, key: tuple[int, str] | None, dialogue: int, sender: str) -> str:
        cmid = frame["client_msg_id"]
        self.sent[cmid] = (dialogue, sender)
        self.waiting[cmid] = asyncio.Event()
        self.stats.sent[cmid] = (time.monotonic(), True)
        if key is not None:
            self.order.setdefault(key, []).append(cmid)
        await peer.send(frame)
        return cmid

    async def dialogue(self, index: int, turns: list[tuple[str, str]]) -> None:
        body, _ = await asyncio.to_thread(_http, "POST", f"{self.base}/api/widget/{self.shop}/session",
                                          {"display_name": f"回放买家{index + 1}"})
        buyer = Side(self, f"{self.ws}/ws/buyer?token={body['token']}", None, "agent")
        acked: dict[str, int] = {}
        buyer.on_ack = lambda f: acked.setdefault(f.get("client_msg_id"), f.get("conversation_id"))
        if not await buyer.open():
            return
        reader = asyncio.create_task(buyer.read())
        conversation, last, last_role = None, None, None
        for n, (role, text) in enumerate(turns):
            if last is not None and role != last_role:  # answer only what has arrived
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.waiting[last].wait(), self.timeout)
            await asyncio.sleep(min(self.max_think, len(text) * self.per_char) / self.speedup)
            cmid = f"r{index}-{n}"
            if role == "customer":
                key = (conversation, "buyer") if conversation else None
                last = await self._say(buyer, {"type": "message", "text": text, "client_msg_id": cmid}, key, index,
                                       "buyer")
                if conversation is None:
                    conversation = await self._conversation_of(acked, cmid)
                    if conversation is None:
                        break
                    self.order.setdefault((conversation, "buyer"), []).append(cmid)
            else:
                last = await self._say(self.agent, {"type": "message", "conversation_id": conversation, "text": text,
                                                    "client_msg_id": cmid}, (conversation, "agent"), index, "agent")
            last_role = role
        if last is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.waiting[last].wait(), self.timeout)
        if conversation is not None:
            with contextlib.suppress(RuntimeError):
                await asyncio.to_thread(_http, "POST", f"{self.base}/api/conversations/{conversation}/close", {},
                                        self._agent_headers())
                self.closed_conversations += 1
        await buyer.close()
        reader.cancel()

    async def _conversation_of(self, acked: dict, cmid: str) -> int | None:
        deadline = time.monotonic() + self.timeout
        while cmid not in acked and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return acked.get(cmid)

    def report(self, dialogues: int) -> dict:
        st = self.stats
        out_of_order = 0
        for key, sent in self.order.items():
            place = {c: i for i, c in enumerate(sent)}
            got = [place[c] for c in self.received.get(key, []) if c in place]
            out_of_order += sum(1 for a, b in itertools.pairwise(got) if b < a)
        missing = sum(1 for c in self.sent if c not in st.delivered)
        errors = {**st.errors, "missing": missing, "out_of_order": st.errors["out_of_order"] + out_of_order}
        by_side = {}
        for sender, label in (("buyer", "buyer_to_agent"), ("agent", "agent_to_buyer")):
            lat = [(st.delivered[c] - st.sent[c][0]) * 1000 for c, (_d, s) in self.sent.items()
                   if s == sender and c in st.delivered]
            by_side[label] = {"sent": sum(1 for _d, s in self.sent.values() if s == sender), **summary(lat)}
        lat = summary(st.delivery_ms)
        return {"dialogues": dialogues, "messages": len(self.sent), "delivered": len(st.delivered),
                "missing": missing, "duplicates": errors["duplicates"], "out_of_order": errors["out_of_order"],
                "errors": sum(errors.values()), "error_detail": errors, "latency_p50_ms": lat["p50"],
                "latency_p99_ms": lat["p99"], "latency_max_ms": lat["max"], "closed_conversations":
                self.closed_conversations, **by_side}


def login(base: str, username: str, password: str) -> str:
    _body, cookies = _http("POST", f"{base.rstrip('/')}/api/auth/login", {"username": username, "password": password})
    for header in cookies:
        jar = SimpleCookie(header)
        if "kefu_session" in jar:
            return f"kefu_session={jar['kefu_session'].value}"
    raise RuntimeError("login gave no session cookie")


async def _replay(base: str, shop: str, cookie: str, dialogues: list, speedup: float, concurrency: int) -> dict:
    run = Replay(base, shop, cookie, speedup)
    await run.start()
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int, turns: list) -> None:
        async with gate:
            await run.dialogue(i, turns)

    t = time.monotonic()
    await asyncio.gather(*(one(i, d) for i, d in enumerate(dialogues)))
    out = run.report(len(dialogues))
    out["elapsed_s"] = round(time.monotonic() - t, 2)
    run.stats.closing = True
    await run.agent.close()
    return out


def run(file: Path, url: str | None = None, shop: str | None = None, agent: str | None = None,
        password: str | None = None, speedup: float = 10.0, limit: int | None = None, concurrency: int = 5,
        as_json: bool = False, echo=print) -> dict:
    raise_nofile()
    dialogues = read_dialogues(file, limit)
    servers = None
    if url is None:  # a server of our own: SQLite in a temporary folder, a fresh shop and agent
        run_dir = Path(tempfile.mkdtemp(prefix="kefu-replay-"))
        secret = secrets.token_urlsafe(48)
        db_url = f"sqlite+aiosqlite:///{(run_dir / 'kefu.db').resolve()}"
        made = asyncio.run(prepare_shop(db_url, secret, 0, 1, min(50, concurrency + 2)))
        shop, (_aid, agent, _tok), password = made["slug"], made["agents"][0], made["password"]
        servers = Servers()
        servers.start_kefu(1, child_env({"KEFU_DATA_DIR": str(run_dir), "KEFU_SECRET_KEY": secret,
                                         "KEFU_LOG_LEVEL": "warning", "KEFU_ROUTING_AUTO": "true"}), run_dir)
    try:
        if servers is not None:
            servers.wait_ready()
            url = f"http://127.0.0.1:{servers.ports[0]}"
        out = asyncio.run(_replay(url, shop, login(url, agent, password), dialogues, speedup, concurrency))
    finally:
        if servers is not None:
            servers.stop()
    if servers is not None:
        out["tracebacks"] = servers.tracebacks()[0]
        out["errors"] += out["tracebacks"]
        out["server_log"] = str(servers.logs[0])
    if as_json:
        echo(json.dumps(out, ensure_ascii=False))
    else:
        for line in table(out, url, speedup):
            echo(line)
    return out


def table(out: dict, url: str, speedup: float) -> list[str]:
    lines = [f"kefu replay — {out['dialogues']} dialogues through {url}, speed-up ×{speedup}, {out['elapsed_s']} s",
             f"{'':18}{'sent':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}"]
    for label in ("buyer_to_agent", "agent_to_buyer"):
        s = out[label]
        lines.append(f"{label:18}{s['sent']:>8}{s['p50']!s:>10}{s['p99']!s:>10}{s['max']!s:>10}")
    lines.append(f"delivered {out['delivered']} of {out['messages']}; missing {out['missing']}, duplicates "
                 f"{out['duplicates']}, out of order {out['out_of_order']}, errors {out['errors']} "
                 f"({', '.join(f'{k} {v}' for k, v in out['error_detail'].items())})")
    if "tracebacks" in out:
        lines.append(f"server tracebacks: {out['tracebacks']} ({out['server_log']})")
    return lines
