"""`kefu bench chat`: the chat loop under load, beside a bare WebSocket relay measured in the same run.

One invocation: prepare a fresh shop (SQLite in a temporary data dir, or PostgreSQL + Redis when
KEFU_DATABASE_URL / KEFU_REDIS_URL are set: a new, uniquely named shop, nothing dropped) with N buyers and
M online agents; start K `kefu serve` processes on loopback ports (routing on, logs in files); run the load
generator (bench/chat_load.py, a separate asyncio process) against them; then the same load against the
relay (bench/relay.py). Buyers are spread round-robin over the instances and agents shifted by one, so with
K ≥ 2 a buyer and their agent often sit on different instances. See docs/performance.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.chat_load import raise_nofile
from bench.chat_setup import ROOT, Servers, child_env, prepare_shop, seats

RESULTS = ROOT / "bench" / "results"
KEYS = ("conversations", "rate_per_conversation", "delivered_per_s", "relay_delivered_per_s", "ratio", "ack_p50_ms",
        "ack_p99_ms", "delivery_p50_ms", "delivery_p99_ms", "errors", "server_rss_mb")


def _generate(cfg: dict, run_dir: Path, name: str, servers: Servers, timeout: float) -> dict:
    """Run the load generator process against ``servers``; returns its measurements plus the servers'."""
    cfg_path, out_path = run_dir / f"{name}-load.json", run_dir / f"{name}-result.json"
    cfg_path.write_text(json.dumps(cfg, ensure_ascii=False))
    servers.sample()
    with open(run_dir / f"{name}-load.log", "wb") as log:
        proc = subprocess.run([sys.executable, "-m", "bench.chat_load", str(cfg_path), str(out_path)], cwd=ROOT,
                              env=child_env({}), stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    if proc.returncode != 0 or not out_path.exists():
        raise RuntimeError(f"load generator failed ({proc.returncode}); see {run_dir / f'{name}-load.log'}")
    out = json.loads(out_path.read_text())
    out["server_cpu_pct"] = servers.cpu_percent()
    out["server_rss_mb"] = round(servers.peak_rss_kb / 1024, 1)
    return out


def _load_cfg(args: dict, buyers: list[str], agents: list[dict]) -> dict:
    return {"buyers": buyers, "agents": agents, "rate": args["rate"], "duration": args["duration"],
            "reply_ratio": args["reply_ratio"], "warmup_timeout": args["warmup_timeout"], "drain": args["drain"],
            "seed": 11}


def _run_kefu(args: dict, run_dir: Path, echo) -> dict:
    n, k = args["conversations"], args["instances"]
    m, max_chats = seats(n, args["agents"])
    db_url, redis_url = os.environ.get("KEFU_DATABASE_URL", ""), os.environ.get("KEFU_REDIS_URL", "")
    data_dir = run_dir / "data"
    env = {"KEFU_DATA_DIR": str(data_dir), "KEFU_SECRET_KEY": secrets.token_urlsafe(48), "KEFU_ROUTING_AUTO": "true",
           "KEFU_LOG_LEVEL": "warning", "KEFU_AUTO_MIGRATE": "1"}
    if db_url:
        from kefu.core.config import normalize_database_url

        url = normalize_database_url(db_url)
    else:
        data_dir.mkdir(parents=True)
        url = f"sqlite+aiosqlite:///{(data_dir / 'kefu.db').resolve()}"
        if k > 1:
            echo("note: several instances on SQLite without Redis see each other's events only through the "
                 "routing sweep; set KEFU_DATABASE_URL and KEFU_REDIS_URL for a real multi-instance run")
    t = time.monotonic()
    shop = asyncio.run(prepare_shop(url, env["KEFU_SECRET_KEY"], n, m, max_chats))
    echo(f"shop {shop['slug']}: {n} buyers, {m} agents × {max_chats} chats "
         f"({'PostgreSQL' if db_url else 'SQLite'}{' + Redis' if redis_url else ''}), {time.monotonic() - t:.1f} s")
    servers = Servers()
    try:
        servers.start_kefu(k, child_env(env), run_dir)
        servers.wait_ready()
        ws = [f"ws://127.0.0.1:{p}" for p in servers.ports]
        buyers = [f"{ws[i % k]}/ws/buyer?token={tok}" for i, tok in enumerate(shop["buyers"])]
        agents = [{"agent_id": aid, "url": f"{ws[(j + 1) % k]}/ws/agent",
                   "headers": {"Cookie": f"kefu_session={tok}",
                               "Origin": f"http://127.0.0.1:{servers.ports[(j + 1) % k]}"}}
                  for j, (aid, _name, tok) in enumerate(shop["agents"])]
        out = _generate(_load_cfg(args, buyers, agents), run_dir, "kefu", servers, _timeout(args))
    finally:
        servers.stop()
    out["tracebacks"], out["tracebacks_at_stop"] = servers.tracebacks()
    out["logs"] = [str(p) for p in servers.logs]
    out["agents"], out["backend"] = m, ("postgresql" if db_url else "sqlite") + ("+redis" if redis_url else "")
    if not db_url:
        shutil.rmtree(data_dir, ignore_errors=True)
    return out


def _run_relay(args: dict, run_dir: Path) -> dict:
    n = args["conversations"]
    m, _ = seats(n, args["agents"])
    servers = Servers()
    try:
        servers.start([sys.executable, "-m", "bench.relay"], child_env({}), run_dir / "relay.log")
        servers.wait_ready()
        ws = f"ws://127.0.0.1:{servers.ports[0]}"
        buyers = [f"{ws}/ws/buyer?token=b{i}" for i in range(n)]
        agents = [{"agent_id": j + 1, "url": f"{ws}/ws/agent", "headers": {"Cookie": f"kefu_session={j + 1}"}}
                  for j in range(m)]
        out = _generate(_load_cfg(args, buyers, agents), run_dir, "relay", servers, _timeout(args))
    finally:
        servers.stop()
    out["tracebacks"], out["tracebacks_at_stop"] = servers.tracebacks()
    return out


def _timeout(args: dict) -> float:
    return args["warmup_timeout"] + args["duration"] + args["drain"] + 180


def errors_of(out: dict) -> int:
    return sum(out["errors"].values()) + out.get("tracebacks", 0)


def summarize(args: dict, kefu: dict, relay: dict | None) -> dict:
    relay_rate = relay["delivered_per_s"] if relay else None
    result = {"conversations": args["conversations"], "rate_per_conversation": args["rate"],
              "delivered_per_s": kefu["delivered_per_s"], "relay_delivered_per_s": relay_rate,
              "ratio": round(kefu["delivered_per_s"] / relay_rate, 3) if relay_rate else None,
              "ack_p50_ms": kefu["ack_ms"]["p50"], "ack_p99_ms": kefu["ack_ms"]["p99"],
              "delivery_p50_ms": kefu["delivery_ms"]["p50"], "delivery_p99_ms": kefu["delivery_ms"]["p99"],
              "errors": errors_of(kefu), "server_rss_mb": kefu["server_rss_mb"],
              "instances": args["instances"], "agents": kefu["agents"], "duration_s": args["duration"],
              "backend": kefu["backend"], "kefu": kefu, "relay": relay}
    if relay:
        result["relay_errors"] = errors_of(relay)
    return result


def table(result: dict) -> list[str]:
    kefu, relay = result["kefu"], result["relay"]
    rows = [("delivered / s", "delivered_per_s", None), ("ack p50 ms", "ack_ms", "p50"),
            ("ack p99 ms", "ack_ms", "p99"), ("delivery p50 ms", "delivery_ms", "p50"),
            ("delivery p99 ms", "delivery_ms", "p99"), ("delivery max ms", "delivery_ms", "max"),
            ("  buyer→agent p50 ms", "delivery_buyer_ms", "p50"), ("  buyer→agent p99 ms", "delivery_buyer_ms", "p99"),
            ("  agent→buyer p50 ms", "delivery_agent_ms", "p50"), ("  agent→buyer p99 ms", "delivery_agent_ms", "p99"),
            ("sent (measured)", "sent_measured", None), ("undelivered", "undelivered", None),
            ("  warm-up lines not pushed", "warmup_undelivered", None),
            ("server CPU % of a core", "server_cpu_pct", None), ("server RSS MB (peak)", "server_rss_mb", None),
            ("load generator CPU s", "generator_cpu_s", None), ("tracebacks in logs", "tracebacks", None),
            ("  more while stopping", "tracebacks_at_stop", None)]

    def cell(out: dict | None, key: str, sub: str | None) -> str:
        if out is None:
            return "-"
        value = (out.get(key) or {}).get(sub) if sub else out.get(key)
        return "-" if value is None else str(value)

    lines = [f"kefu bench chat — {result['conversations']} conversations × {result['rate_per_conversation']} msg/s, "
             f"{result['instances']} instance(s), {result['agents']} agents, {result['backend']}, "
             f"{result['duration_s']} s measured",
             f"{'':26}{'kefu':>14}{'relay':>14}"]
    lines += [f"{label:26}{cell(kefu, key, sub):>14}{cell(relay, key, sub):>14}" for label, key, sub in rows]
    lines.append(f"{'errors':26}{errors_of(kefu):>14}{errors_of(relay) if relay else '-':>14}")
    lines.append("  kefu errors: " + ", ".join(f"{k} {v}" for k, v in kefu["errors"].items()))
    if kefu.get("close_codes"):
        closed = ", ".join(f"{k} ×{v}" for k, v in kefu["close_codes"].items())
        lines.append(f"  sockets closed by the server: {closed}")
    lines.append(f"machine load average (1 min) at the end of the kefu run: {kefu.get('loadavg_1m_end')}")
    lines.append(f"ratio kefu / relay delivered: {result['ratio']}")
    return lines


def run(conversations: int = 100, rate: float = 1.0, instances: int = 1, duration: float = 30.0,
        agents: int | None = None, reply_ratio: float = 0.3, relay: bool = True, as_json: bool = False,
        out: Path | None = None, warmup_timeout: float = 120.0, drain: float = 5.0, echo=print) -> dict:
    raise_nofile()
    args = {"conversations": conversations, "rate": rate, "instances": instances, "duration": duration,
            "agents": agents, "reply_ratio": reply_ratio, "warmup_timeout": warmup_timeout, "drain": drain}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = Path(tempfile.mkdtemp(prefix=f"kefu-bench-chat-{stamp}-"))
    say = (lambda *_a, **_k: None) if as_json else echo
    kefu = _run_kefu(args, run_dir, say)
    say(f"kefu: {kefu['delivered_per_s']} delivered/s; now the relay…" if relay else "kefu done")
    base = _run_relay(args, run_dir) if relay else None
    result = summarize(args, kefu, base)
    result["run_dir"] = str(run_dir)
    out = out or RESULTS / f"chat-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    if as_json:
        echo(json.dumps({k: result[k] for k in (*KEYS, "instances", "agents", "backend")}, ensure_ascii=False))
    else:
        for line in table(result):
            echo(line)
        echo(f"server logs: {', '.join(kefu['logs'])}")
        echo(f"results: {out}")
    return result
