"""`kefu bench ...`: benchmarks that live in the repository's bench/ folder (run from a checkout)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

bench_app = typer.Typer(help="Benchmarks (run from a source checkout)", no_args_is_help=True)


def _bench_module(name: str):
    root = Path(__file__).resolve().parents[3]
    if not (root / "bench" / f"{name}.py").is_file():
        typer.echo(f"error: bench/{name}.py not found under {root} (benchmarks run from a source checkout)", err=True)
        raise typer.Exit(2)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import importlib

    return importlib.import_module(f"bench.{name}")


@bench_app.command("nlu")
def nlu(n: int = typer.Option(3000, help="messages to analyse")) -> None:
    """p50 / p99 latency and messages per second of kefu.nlu.analyze(), beside a TF-IDF baseline."""
    _bench_module("nlu").run(n=n, echo=typer.echo)


@bench_app.command("kb")
def kb(n: int = typer.Option(100_000, help="generated articles"),
       queries: int = typer.Option(500, help="search queries to time")) -> None:
    """Knowledge search: index build time, memory, search p50 / p99 (lexical and hybrid) at n articles."""
    _bench_module("kb").run(n=n, queries=queries, echo=typer.echo)


@bench_app.command("routing")
def routing(agents: int = typer.Option(500, help="agents online"),
            waiting: int = typer.Option(5000, help="buyers waiting"),
            decisions: int = typer.Option(300, help="decisions to time")) -> None:
    """Routing decision latency: rank() of the whole queue + pick_agent() for the head, beside a FIFO baseline."""
    _bench_module("routing").run(n_agents=agents, n_waiting=waiting, decisions=decisions, echo=typer.echo)


@bench_app.command("chat")
def chat(conversations: int = typer.Option(100, "--conversations", "-n", help="buyers, one conversation each"),
         rate: float = typer.Option(1.0, help="buyer messages per second per conversation"),
         instances: int = typer.Option(1, help="kefu server processes (PostgreSQL + Redis for more than one)"),
         duration: float = typer.Option(30.0, help="seconds measured (after warm-up)"),
         agents: int = typer.Option(None, help="agents online (default: one per 10 conversations)"),
         reply_ratio: float = typer.Option(0.3, help="share of buyer lines an agent answers"),
         relay: bool = typer.Option(True, "--relay/--no-relay", help="measure the bare WebSocket relay too"),
         as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of the table"),
         out: Path = typer.Option(None, help="JSON results file (default bench/results/chat-<time>.json)"),
         warmup_timeout: float = typer.Option(120.0, help="longest wait for routing to assign every buyer"),
         drain: float = typer.Option(5.0, help="longest wait after the window for late deliveries "
                                                "(ends once all have arrived)")) -> None:
    """Chat loop under load: N buyers and M agents on one shop over WebSockets, against K kefu instances
    (SQLite, or PostgreSQL + Redis from KEFU_DATABASE_URL / KEFU_REDIS_URL) and a bare relay as baseline."""
    if conversations < 1 or rate <= 0 or duration <= 0 or instances < 1 or not 0 <= reply_ratio <= 1:
        typer.echo("error: need --conversations ≥ 1, --rate > 0, --duration > 0, --instances ≥ 1, "
                   "0 ≤ --reply-ratio ≤ 1", err=True)
        raise typer.Exit(2)
    from sqlalchemy.exc import DBAPIError

    try:
        _bench_module("chat").run(conversations=conversations, rate=rate, instances=instances, duration=duration,
                                  agents=agents, reply_ratio=reply_ratio, relay=relay, as_json=as_json, out=out,
                                  warmup_timeout=warmup_timeout, drain=drain, echo=typer.echo)
    except (DBAPIError, OSError) as exc:  # the database named by KEFU_DATABASE_URL: missing, unreachable
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
        typer.echo(f"错误 / error: 无法打开基准测试数据库 / cannot open the bench database: {reason}", err=True)
        raise typer.Exit(2) from None


@bench_app.command("events")
def events(writers: int = typer.Option(20, help="concurrent writers, one shop"),
           seconds: float = typer.Option(10.0, help="seconds per scheme"),
           out: str = typer.Option(None, help="JSON result path (default bench/results/events-<time>.json)")) -> None:
    """One shop's event-writing commits per second: the counter taken at commit, beside the old per-shop lock
    held from the first event to commit (PostgreSQL from KEFU_DATABASE_URL; SQLite serializes both)."""
    _bench_module("events").run(writers=writers, seconds=seconds, out=out, echo=typer.echo)


@bench_app.command("sla")
def sla(tickets: int = typer.Option(100_000, help="open tickets with running SLA clocks"),
        baseline: int = typer.Option(1000, help="open tickets of the baseline run (0: none)"),
        hours: float = typer.Option(24.0, help="simulated span (from Wednesday 08:00 Beijing time)"),
        interval: float = typer.Option(1.0, help="seconds the scheduler's loop waits between passes (server: 1)"),
        as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of the table"),
        out: Path = typer.Option(None, help="JSON results file (default bench/results/sla-<time>.json)"),
        keep: bool = typer.Option(False, "--keep", help="keep the SQLite database to look at (its path is printed)")
        ) -> None:
    """SLA timers: N open tickets, the scheduler over a simulated day with the real handlers (SQLite, or
    PostgreSQL from KEFU_DATABASE_URL); pass cost and warning/breach lateness, beside a 1,000-ticket baseline."""
    if tickets < 1 or baseline < 0 or hours <= 0 or interval <= 0:
        typer.echo("error: need --tickets ≥ 1, --baseline ≥ 0, --hours > 0, --interval > 0", err=True)
        raise typer.Exit(2)
    from sqlalchemy.exc import DBAPIError

    try:
        _bench_module("sla").run(tickets=tickets, baseline=baseline, hours=hours, interval=interval,
                                 as_json=as_json, out=out, keep=keep, echo=typer.echo)
    except (DBAPIError, OSError) as exc:  # the database named by KEFU_DATABASE_URL: missing, unreachable
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
        typer.echo(f"错误 / error: 无法打开基准测试数据库 / cannot open the bench database: {reason}", err=True)
        raise typer.Exit(2) from None
