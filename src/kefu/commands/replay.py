"""`kefu replay FILE.jsonl`: replay recorded dialogues through kefu (code in the checkout's bench/replay.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from kefu.commands.bench import _bench_module


def replay(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                       help='JSON lines {"turns": [{"role": "customer"|"agent", "text": …}]}'),
           url: str = typer.Option(None, help="a running kefu (http://host:port); none: start one on SQLite"),
           shop: str = typer.Option(None, help="shop slug (with --url)"),
           agent: str = typer.Option(None, help="agent login name (with --url)"),
           password_stdin: bool = typer.Option(False, "--password-stdin",
                                               help="read the agent's password from the first line of stdin"),
           speedup: float = typer.Option(10.0, help="typing time (0.25 s a character, at most 8 s) divided by this"),
           limit: int = typer.Option(None, help="replay only the first N dialogues"),
           concurrency: int = typer.Option(5, help="dialogues at once"),
           as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of the table")) -> None:
    """Replay dialogues, buyers and an agent as separate clients; check each line arrives once and in order on
    the other side, and report latency. 回放真实对话，检查每条消息对方只收到一次且顺序正确，并报告延迟。"""
    from kefu.commands.setup import fail, read_password

    password = None
    if url:
        if not shop or not agent:
            fail("使用 --url 时需要 --shop 和 --agent", "--url needs --shop and --agent")
        password = read_password(None, True) if password_stdin else typer.prompt("密码 / Password", hide_input=True)
    if speedup <= 0 or concurrency < 1:
        fail("--speedup 须大于 0，--concurrency 至少为 1", "--speedup must be > 0 and --concurrency ≥ 1")
    try:
        out = _bench_module("replay").run(file, url=url, shop=shop, agent=agent, password=password,
                                          speedup=speedup, limit=limit, concurrency=concurrency, as_json=as_json,
                                          echo=typer.echo)
    except (OSError, RuntimeError, TimeoutError) as exc:  # no server there, refused login, socket refused
        fail(f"回放失败：{exc}", f"replay failed: {exc}")
    if out["errors"]:
        raise typer.Exit(1)
