"""The database down: a clear 503 (zh + en) instead of a 500, told apart from bugs that merely involve the database."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa
from sqlalchemy import text
from starlette.websockets import WebSocketDisconnect

from kefu.app import install_error_handlers
from kefu.core import outage
from kefu.core.db import Database
from tests.web.browser import free_port


async def query(url: str, sql: str = "SELECT 1") -> None:
    db = Database(url)
    try:
        async with db.transaction() as s:
            await s.execute(text(sql))
    finally:
        await db.dispose()


def failure(url: str, sql: str = "SELECT 1") -> BaseException:
    """What running ``sql`` on ``url`` really raises."""
    with pytest.raises(Exception) as info:
        asyncio.run(query(url, sql))
    return info.value


@pytest.fixture(scope="module")
def down() -> str:
    """PostgreSQL not listening: the pool's connect is refused."""
    return f"postgresql+asyncpg://kefu@127.0.0.1:{free_port()}/kefu"


@pytest.fixture(scope="module")
def up(tmp_path_factory) -> str:
    """A database that answers (so SELECT * FROM nowhere is a bug, not an outage)."""
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('outage') / 'x.db'}"


def test_unreachable_database_is_an_outage_and_a_wrong_query_is_not(down, up):
    assert outage.is_db_outage(failure(down))
    missing_table = failure(up, "SELECT * FROM nowhere")
    assert isinstance(missing_table, sa.OperationalError) and not outage.is_db_outage(missing_table)


@pytest.mark.parametrize("exc, down", [
    (sa.OperationalError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True),
     True),
    (sa.TimeoutError("QueuePool limit of size 10 overflow 20 reached"), True),
    (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
    (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), True),
    (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), True),
    (asyncpg.exceptions.InterfaceError("cannot perform operation: connection is closed"), True),
    (asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress"), False),
    (asyncpg.exceptions.UniqueViolationError("duplicate key value"), False),
    (sa.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
    (ConnectionRefusedError(111, "refused by some other service"), False),  # raised outside the database code
    (ValueError("nothing to do with it"), False),
])
def test_outage_or_not(exc, down):
    assert outage.is_db_outage(exc) is down


def test_an_outage_wrapped_by_sqlalchemy_is_still_one():
    try:
        try:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        except asyncpg.exceptions.PostgresError as inner:
            raise sa.DBAPIError("SELECT 1", {}, Exception("wrapped")) from inner
    except sa.DBAPIError as exc:
        assert outage.is_db_outage(exc)


@pytest.fixture(scope="module")
def app_client(down, up):
    app = FastAPI()
    install_error_handlers(app)
    outage.install(app)

    @app.get("/orders")
    async def orders():
        await query(down)

    @app.get("/broken")
    async def broken():
        await query(up, "SELECT * FROM nowhere")

    @app.websocket("/ws")
    async def socket(ws: WebSocket):
        await query(down)

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_requests_get_a_503_saying_the_database_is_unavailable_in_both_languages(app_client):
    r = app_client.get("/orders")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert r.json()["error"] == {"code": "database_unavailable", "zh": "系统繁忙，数据库暂时无法访问，请稍后重试",
                                 "en": "The database is unreachable for the moment; please try again shortly"}


def test_a_bug_in_a_query_is_still_an_internal_error(app_client):
    r = app_client.get("/broken")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal"


def test_a_socket_the_outage_breaks_is_told_to_come_back_later(app_client):
    with pytest.raises(WebSocketDisconnect) as closed, app_client.websocket_connect("/ws"):
        pass
    assert closed.value.code == 1013


def test_an_outage_is_logged_in_one_line_not_a_traceback_per_request(app_client, caplog):
    outage._last_logged = 0.0
    with caplog.at_level("WARNING", logger="kefu.core.outage"):
        for _ in range(3):
            app_client.get("/orders")
    lines = [r for r in caplog.records if r.name == "kefu.core.outage"]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "database unavailable" in lines[0].getMessage()


def test_background_loops_log_an_outage_in_one_line_and_a_bug_with_its_traceback(down, caplog):
    import logging

    loop_log = logging.getLogger("kefu.test.loop")
    outage._last_logged = 0.0
    with caplog.at_level("WARNING"):
        outage.log_failure(loop_log, "routing pass failed", failure(down))
        outage.log_failure(loop_log, "routing pass failed", ValueError("a bug"))
    down_line, bug_line = [r for r in caplog.records if r.name in ("kefu.core.outage", "kefu.test.loop")]
    assert down_line.exc_info is None and "routing pass failed" in down_line.getMessage()
    assert bug_line.exc_info is not None and bug_line.exc_info[0] is ValueError
