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


@bench_app.command("events")
def events(writers: int = typer.Option(20, help="concurrent writers, one shop"),
           seconds: float = typer.Option(10.0, help="seconds per scheme"),
           out: str = typer.Option(None, help="JSON result path (default bench/results/events-<time>.json)")) -> None:
    """One shop's event-writing commits per second: the counter taken at commit, beside the old per-shop lock
    held from the first event to commit (PostgreSQL from KEFU_DATABASE_URL; SQLite serializes both)."""
    _bench_module("events").run(writers=writers, seconds=seconds, out=out, echo=typer.echo)
