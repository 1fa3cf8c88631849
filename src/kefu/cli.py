"""The `kefu` command: serve, demo, migrate, shop and agent management."""

from __future__ import annotations

import asyncio
import os

import typer

from kefu.commands import setup
from kefu.commands.aftersales import aftersales_app
from kefu.commands.bench import bench_app
from kefu.commands.kb import kb_app
from kefu.commands.nlu import nlu_app
from kefu.commands.replay import replay
from kefu.commands.simulate import simulate
from kefu.core.config import get_settings

app = typer.Typer(help="kefu 客服 — customer service for Chinese online shops", no_args_is_help=True)
shop_app = typer.Typer(help="Shops (tenants)", no_args_is_help=True)
agent_app = typer.Typer(help="Agents (service staff)", no_args_is_help=True)
app.add_typer(shop_app, name="shop")
app.add_typer(agent_app, name="agent")
app.add_typer(nlu_app, name="nlu")
app.add_typer(bench_app, name="bench")
app.add_typer(kb_app, name="kb")
app.add_typer(aftersales_app, name="aftersales")
app.command("simulate")(simulate)
app.command("replay")(replay)
app.command("migrate")(setup.migrate)
shop_app.command("add")(setup.shop_add)
agent_app.command("add")(setup.agent_add)


def _run(coro):
    return asyncio.run(coro)


def _with_db(fn):
    from kefu.core.db import with_database

    return with_database(fn)


def _serve(host: str | None, port: int | None, factory: str = "kefu.app:create_app") -> None:
    import uvicorn

    settings = get_settings()
    uvicorn.run(factory, factory=True, host=host or settings.host, port=port or settings.port,
                log_level=os.environ.get("KEFU_LOG_LEVEL", "info"), **websocket_options(settings))


def websocket_options(settings) -> dict:
    """uvicorn's WebSocket settings. Compression (permessage-deflate, which browsers offer) is off unless
    KEFU_WS_COMPRESSION is set: chat frames are small, and compressing each one cost about a fifth of the
    server's time at a peak (docs/performance.md) for bytes a shop's uplink rarely misses."""
    return {"ws_max_size": 1024 * 1024, "ws_per_message_deflate": settings.ws_compression}


@app.command()
def serve(host: str = typer.Option(None, help="listen address (KEFU_HOST)"),
          port: int = typer.Option(None, help="listen port (KEFU_PORT)")) -> None:
    """Run the web server (migrates first unless KEFU_AUTO_MIGRATE=0)."""
    _serve(host, port)


@app.command()
def demo(host: str = typer.Option(None), port: int = typer.Option(None),
         no_serve: bool = typer.Option(False, "--no-serve", help="only load the demo shop"),
         force: bool = typer.Option(False, "--force", help="load the demo even beside real shops"),
         actors: bool = typer.Option(True, "--actors/--no-actors",
                                     help="simulated colleagues answer their buyers (default) or stay as loaded")
         ) -> None:
    """Load the demo shop (idempotent), print its URLs and logins, and serve it with simulated colleagues."""
    from kefu.demo.data import SIMULATED
    from kefu.demo.seed import DEMO_PASSWORD, DEMO_SLUG, load_demo, load_demo_knowledge, other_shops

    settings = get_settings()
    if not force and (others := _run(_with_db(other_shops))):
        typer.echo(f"拒绝：数据库里已有 {others} 个真实店铺，演示账号使用公开密码。确需加载请加 --force。\n"
                   f"refused: the database holds {others} real shop(s) and demo logins use a published password; "
                   "pass --force to load it anyway", err=True)
        raise typer.Exit(2)
    logins = _run(_with_db(load_demo))
    kb = _run(_with_db(load_demo_knowledge))
    if any(kb.values()):
        typer.echo(f"knowledge base: {kb['articles']} articles, {kb['templates']} templates added")
    base = f"http://{host or settings.host}:{port or settings.port}"
    typer.echo("\nkefu demo shop is ready / 演示店铺已就绪\n")
    typer.echo(f"  buyer widget  买家窗口  {base}/shop/{DEMO_SLUG}")
    typer.echo(f"  agent workspace 客服工作台 {base}/agent")
    typer.echo(f"  supervisor view 主管视图  {base}/supervisor")
    typer.echo(f"  tickets       工单      {base}/tickets   (buyers' status page: {base}/tickets/status)")
    typer.echo(f"\n  logins for you / 给您登录的账号 (password {DEMO_PASSWORD}):")
    for username, name, role, group in logins:
        if username not in SIMULATED:
            typer.echo(f"    {username:<12} {name:<6} {role:<16} {group}")
    if actors:
        typer.echo("\n  simulated colleagues / 模拟同事 — they answer their buyers with reply templates and stay "
                   "online;\n  while you are online in the workspace, new buyers of your group come to you\n"
                   "  （自动用话术回复买家、一直在线；您在工作台在线时，本组的新买家分给您）:")
    else:
        typer.echo("\n  colleagues nobody plays (--no-actors: they do nothing) / 无人扮演的同事:")
    for username, name, role, group in logins:
        if username in SIMULATED:
            typer.echo(f"    {username:<12} {name:<6} {role:<16} {group}")
    typer.echo("")
    if not no_serve:
        _serve(host, port, "kefu.demo.actors:create_demo_app" if actors else "kefu.app:create_app")


if __name__ == "__main__":  # pragma: no cover
    app()
