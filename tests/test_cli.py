"""The `kefu` command: migrate says what it did, shops come with a starter kit, agents created from the shell
(password asked for, given, or read from stdin) can log in."""

from __future__ import annotations

from typer.testing import CliRunner

from kefu.cli import app
from kefu.core.config import get_settings


def run(monkeypatch, tmp_path, *args, input_: str | None = None):
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_KB_EMBEDDINGS", "0")  # the starter kit's vectors are not what these tests are about
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args), input=input_)
    finally:
        get_settings.cache_clear()


def test_shop_and_agent_add_then_login(monkeypatch, tmp_path):
    assert run(monkeypatch, tmp_path, "migrate").exit_code == 0
    r = run(monkeypatch, tmp_path, "shop", "add", "lucky", "幸运小店")
    assert r.exit_code == 0, r.output
    r = run(monkeypatch, tmp_path, "agent", "add", "xiaozhang", "--shop", "lucky", "--name", "小张",
            "--role", "supervisor", "--group", "售后", "--skills", "退款,物流", input_="s3cret-pass\ns3cret-pass\n")
    assert r.exit_code == 0, r.output
    assert "xiaozhang" in r.output

    from fastapi.testclient import TestClient

    from kefu.app import create_app
    from kefu.core.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}", data_dir=tmp_path, secret_key="k" * 40,
                        redis_url="", routing_auto=False, scheduler_interval=0)
    with TestClient(create_app(settings)) as c:
        ok = c.post("/api/auth/login", json={"username": "xiaozhang", "password": "s3cret-pass"})
        assert ok.status_code == 200
        assert ok.json()["agent"]["role"] == "supervisor" and ok.json()["agent"]["skills"] == ["退款", "物流"]


def test_agent_add_reports_bad_input_clearly(monkeypatch, tmp_path):
    run(monkeypatch, tmp_path, "shop", "add", "lucky", "幸运小店")
    r = run(monkeypatch, tmp_path, "agent", "add", "xiaozhang", "--shop", "lucky", "--password", "short")
    assert r.exit_code == 2 and "8" in r.output
    r = run(monkeypatch, tmp_path, "agent", "add", "xiaozhang", "--shop", "nope", "--password", "long-enough")
    assert r.exit_code == 2 and "Shop not found" in r.output


def test_demo_refuses_a_database_with_real_shops(monkeypatch, tmp_path):
    run(monkeypatch, tmp_path, "shop", "add", "realshop", "真店")
    r = run(monkeypatch, tmp_path, "demo", "--no-serve")
    assert r.exit_code == 2 and "--force" in r.output
    r = run(monkeypatch, tmp_path, "demo", "--no-serve", "--force")
    assert r.exit_code == 0 and "/shop/demo" in r.output
    # The banner tells the logins for a person from the colleagues the demo plays itself.
    for_you, _, simulated = r.output.partition("simulated colleagues")
    assert all(f" {u} " in for_you for u in ("laowang", "xiaoli", "ajie")) and "xiaozhou" not in for_you
    assert all(f" {u} " in simulated for u in ("xiaozhou", "tingting", "chenjie", "alin"))


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from kefu.core.db import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrate_says_whether_it_created_upgraded_or_found_the_database_current(monkeypatch, tmp_path):
    head = head_revision()
    r = run(monkeypatch, tmp_path, "migrate")
    assert r.exit_code == 0, r.output
    assert f"Created database at {tmp_path / 'cli.db'} (schema {head})" in r.output and "已创建数据库" in r.output
    r = run(monkeypatch, tmp_path, "migrate")
    assert f"Database is up to date (schema {head})" in r.output and "已是最新" in r.output

    import asyncio

    from kefu.core.db import Database

    async def old_database():
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
        await db.migrate("0007")
        await db.dispose()

    asyncio.run(old_database())
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["migrate"])
    finally:
        get_settings.cache_clear()
    assert f"Database upgraded from schema 0007 to {head}" in r.output and "从版本 0007 升级到" in r.output


def login_works(tmp_path, username: str, password: str) -> bool:
    from fastapi.testclient import TestClient

    from kefu.app import create_app
    from kefu.core.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}", data_dir=tmp_path, secret_key="k" * 40,
                        redis_url="", routing_auto=False, scheduler_interval=0)
    with TestClient(create_app(settings)) as c:
        return c.post("/api/auth/login", json={"username": username, "password": password}).status_code == 200


def test_agent_add_asks_for_the_password_hidden_and_twice_or_reads_stdin(monkeypatch, tmp_path):
    run(monkeypatch, tmp_path, "shop", "add", "lucky", "幸运小店", "--no-starter")
    help_text = run(monkeypatch, tmp_path, "agent", "add", "--help").output
    password_line = next(line for line in help_text.splitlines() if "--password " in line)
    assert "required" not in password_line and "--password-stdin" in help_text

    # Asked for when left out: hidden (never echoed), and asked again when the confirmation differs.
    r = run(monkeypatch, tmp_path, "agent", "add", "boss", "--shop", "lucky", "--role", "admin",
            input_="first-try-pw\nsomething-else\nreal-secret-pw\nreal-secret-pw\n")
    assert r.exit_code == 0, r.output
    assert "do not match" in r.output and "secret" not in r.output and "first-try" not in r.output
    # … in both languages, as every other line of the command (it said "Repeat for confirmation:")
    assert "再输入一次 / Repeat the password" in r.output and "两次输入的密码不一致" in r.output
    # A script pipes it in.
    r = run(monkeypatch, tmp_path, "agent", "add", "bot", "--shop", "lucky", "--password-stdin",
            input_="piped-secret-pw\n")
    assert r.exit_code == 0, r.output
    assert "piped" not in r.output
    r = run(monkeypatch, tmp_path, "agent", "add", "nobody", "--shop", "lucky", "--password-stdin", input_="")
    assert r.exit_code == 2 and "stdin" in r.output
    assert login_works(tmp_path, "boss", "real-secret-pw") and login_works(tmp_path, "bot", "piped-secret-pw")
    assert not login_works(tmp_path, "boss", "first-try-pw")


def test_shop_add_installs_the_starter_kit_unless_asked_not_to(monkeypatch, tmp_path):
    from kefu.starter.articles import ARTICLES
    from kefu.starter.templates import TEMPLATES

    r = run(monkeypatch, tmp_path, "shop", "add", "kit-shop", "有知识包的店")
    assert r.exit_code == 0, r.output
    assert f"{len(TEMPLATES)} reply templates and {len(ARTICLES)} FAQ articles" in r.output
    r = run(monkeypatch, tmp_path, "shop", "add", "bare-shop", "空店", "--no-starter")
    assert r.exit_code == 0 and "starter kit" not in r.output

    import asyncio

    from sqlalchemy import func, select

    from kefu.core.db import Database
    from kefu.knowledge.models import Article, ReplyTemplate
    from kefu.shops.models import Shop

    async def counts():
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        try:
            async with db.transaction() as s:
                out = {}
                for slug in ("kit-shop", "bare-shop"):
                    shop_id = await s.scalar(select(Shop.id).where(Shop.slug == slug))
                    out[slug] = tuple([await s.scalar(select(func.count()).select_from(model)
                                                      .where(model.shop_id == shop_id))
                                       for model in (Article, ReplyTemplate)])
                return out
        finally:
            await db.dispose()

    assert asyncio.run(counts()) == {"kit-shop": (len(ARTICLES), len(TEMPLATES)), "bare-shop": (0, 0)}
    r = run(monkeypatch, tmp_path, "shop", "add", "demo", "假演示")
    assert r.exit_code == 2 and "reserved for the demo shop" in r.output


def test_serve_leaves_websocket_compression_off_unless_configured(monkeypatch):
    """Browsers offer permessage-deflate; `kefu serve` declines it by default (CPU at a peak) and accepts it
    with KEFU_WS_COMPRESSION=1; the options are ones uvicorn takes."""
    import uvicorn

    from kefu.cli import websocket_options
    from kefu.core.config import Settings

    monkeypatch.delenv("KEFU_WS_COMPRESSION", raising=False)
    default = websocket_options(Settings())
    assert default["ws_per_message_deflate"] is False
    monkeypatch.setenv("KEFU_WS_COMPRESSION", "1")
    assert websocket_options(Settings())["ws_per_message_deflate"] is True
    config = uvicorn.Config(lambda *a: None, **default)
    assert config.ws_per_message_deflate is False and config.ws_max_size == 1024 * 1024
