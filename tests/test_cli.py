"""The `kefu` command: shops and agents created from the shell can log in."""

from __future__ import annotations

from typer.testing import CliRunner

from kefu.cli import app
from kefu.core.config import get_settings


def run(monkeypatch, tmp_path, *args, input_: str | None = None):
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path))
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
    monkeypatch.setenv("KEFU_KB_EMBEDDINGS", "0")  # the demo KB's vectors are not what this test is about
    run(monkeypatch, tmp_path, "shop", "add", "realshop", "真店")
    r = run(monkeypatch, tmp_path, "demo", "--no-serve")
    assert r.exit_code == 2 and "--force" in r.output
    r = run(monkeypatch, tmp_path, "demo", "--no-serve", "--force")
    assert r.exit_code == 0 and "/shop/demo" in r.output
