"""Setting a shop up from the shell: `kefu migrate`, `kefu shop add`, `kefu agent add`.

Each says what it did in Chinese and English: migrate tells a new database from an upgraded or an unchanged
one; shop add installs the starter kit (kefu.starter) unless --no-starter; agent add asks for the password
(hidden, twice) unless it comes with --password or, for scripts, on stdin with --password-stdin.
"""

from __future__ import annotations

import asyncio
import sys

import typer

from kefu.core.config import get_settings


def fail(zh: str, en: str, code: int = 2):
    typer.echo(f"错误 / error: {zh} / {en}", err=True)
    raise typer.Exit(code)


# ---------------------------------------------------------------- migrate
def _where(url: str) -> str:
    """The database for people: a SQLite file's path, or the URL without its password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or url
    return parsed.render_as_string(hide_password=True)


async def _revision(db) -> str | None:
    from alembic.migration import MigrationContext

    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def migrate_database(url: str | None = None) -> tuple[str | None, str | None, str]:
    """Upgrade to the newest schema; (revision before, revision after, where) — before is None for a new
    database."""
    from kefu.core.db import Database

    url = url or get_settings().resolved_database_url()
    db = Database(url)
    try:
        before = await _revision(db)
        await db.migrate()
        return before, await _revision(db), _where(url)
    finally:
        await db.dispose()


def migrate_report(before: str | None, after: str | None, where: str) -> str:
    if before is None:
        return f"已创建数据库 {where}，并升级到版本 {after}\nCreated database at {where} (schema {after})"
    if before == after:
        return f"数据库已是最新（版本 {after}）：{where}\nDatabase is up to date (schema {after}): {where}"
    return (f"数据库已从版本 {before} 升级到 {after}：{where}\n"
            f"Database upgraded from schema {before} to {after}: {where}")


def migrate() -> None:
    """Create the database or upgrade its schema to the newest version, and say which it did."""
    typer.echo(migrate_report(*asyncio.run(migrate_database())))


# ---------------------------------------------------------------- shops
def shop_add(slug: str = typer.Argument(..., help="lowercase letters, digits and dashes; the page is /shop/SLUG"),
             name: str = typer.Argument("", help="display name"),
             starter: bool = typer.Option(True, "--starter/--no-starter",
                                          help="start with common reply templates and FAQ articles (default), "
                                               "or empty")) -> None:
    """Create a shop with a starter kit of reply templates and FAQ articles to edit (unless --no-starter)."""
    from kefu.core.db import with_database
    from kefu.core.errors import KefuError
    from kefu.shops.rules import is_demo
    from kefu.shops.service import create_shop
    from kefu.starter.service import install_starter_kit

    if is_demo(slug.strip().lower()):  # the demo's shop: its page is the demo product page (docs/demo.md)
        fail(f"店铺标识 {slug} 留给演示店铺使用，请换一个", f"the slug {slug} is reserved for the demo shop")

    async def go(db):
        async with db.transaction() as s:
            shop = await create_shop(s, slug, name or slug)
            kit = await install_starter_kit(s, shop.id) if starter else None
            return shop.id, shop.slug, kit

    if starter:
        typer.echo("正在写入入门知识包（计算语义向量需要几秒钟）…\ninstalling the starter kit (embedding takes a few "
                   "seconds)…")
    try:
        shop_id, slug, kit = asyncio.run(with_database(go))
    except KefuError as exc:
        fail(exc.zh, exc.en)
    typer.echo(f"已创建店铺 {slug}（id {shop_id}）\nshop {slug} created (id {shop_id})")
    if kit:
        typer.echo(f"入门知识包：{kit['templates']} 条话术、{kit['articles']} 篇常见问题，机器人和“/”话术马上能用；"
                   f"标签为“待核对”的条目写的是常见做法，请在 /kb 按本店实际修改\n"
                   f"starter kit: {kit['templates']} reply templates and {kit['articles']} FAQ articles, in use at "
                   "once; those tagged 待核对 describe common practice: edit them to your shop's on /kb")


# ---------------------------------------------------------------- agents
def read_password(password: str | None, password_stdin: bool) -> str:
    """--password, else the first line of stdin (--password-stdin), else a hidden prompt asked twice."""
    if password is not None and password_stdin:
        fail("--password 和 --password-stdin 只能用一个", "pass either --password or --password-stdin")
    if password is not None:
        return password
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            fail("标准输入里没有密码", "no password on stdin")
        return line.rstrip("\r\n")
    while True:  # click's own confirmation speaks English only ("Repeat for confirmation", "do not match")
        first = typer.prompt("密码 / Password", hide_input=True)
        if typer.prompt("再输入一次 / Repeat the password", hide_input=True) == first:
            return first
        typer.echo("两次输入的密码不一致，请重新输入 / The two passwords do not match, try again", err=True)


def agent_add(username: str,
              shop: str = typer.Option(..., help="shop slug"),
              password: str = typer.Option(None, help="the password (asked for, hidden, when left out)"),
              password_stdin: bool = typer.Option(False, "--password-stdin",
                                                  help="read the password from the first line of stdin"),
              name: str = typer.Option("", help="display name"), role: str = typer.Option("agent"),
              group: str = typer.Option("售前"), skills: str = typer.Option("", help="comma separated"),
              max_chats: int = typer.Option(5)) -> None:
    """Create an agent (roles: agent, senior, emotion_support, supervisor, trainer, admin). Asks for the
    password unless --password or --password-stdin is given."""
    from kefu.agents import rules
    from kefu.agents.service import create_agent
    from kefu.core.db import with_database
    from kefu.core.errors import KefuError
    from kefu.shops.service import get_shop_by_slug

    secret = read_password(password, password_stdin)

    async def go(db):
        async with db.transaction() as s:
            shop_row = await get_shop_by_slug(s, shop)
            agent = await create_agent(s, shop_row.id, username=username, password=secret, display_name=name,
                                       role=role, group=group, skills=skills, max_chats=max_chats)
            return agent.id

    try:
        rules.check_password(secret)  # before touching the database
        agent_id = asyncio.run(with_database(go))
    except KefuError as exc:
        fail(exc.zh, exc.en)
    typer.echo(f"已创建客服 {username}（id {agent_id}）\nagent {username} created (id {agent_id})")
