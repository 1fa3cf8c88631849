"""The database is down (PostgreSQL restarting, the network cut, the pool exhausted): say so clearly and recover
by itself.

A request that fails because the database cannot be reached answers 503 with a Chinese + English message
instead of a 500 and a traceback per request; the log gets one line, at most every few seconds. Nothing is
retried here: the next request takes a fresh connection (the engine's pool_pre_ping drops dead ones), so
service resumes by itself once the database is back. The WebSocket handlers use ``is_db_outage`` to answer a
frame with an error frame (``DatabaseUnavailable``) instead of closing the socket.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import time

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from kefu.core.errors import KefuError

log = logging.getLogger(__name__)

# Exceptions raised from these packages' code are the database's; the same class raised elsewhere (a file
# write, an HTTP call) is not an outage of the database.
DB_PACKAGES = ("sqlalchemy", "asyncpg", "aiosqlite")
NETWORK_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT,
                            errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTDOWN})
# PostgreSQL error classes that mean "not now" rather than "wrong query": 08 connection exception,
# 53 insufficient resources (too many connections), 57P01-57P03 shutdown / cannot connect now.
TRANSIENT_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03")
LOG_EVERY_SECONDS = 10.0
CLOSE_TRY_AGAIN = 1013  # WebSocket "try again later"


class DatabaseUnavailable(KefuError):
    status = 503
    code = "database_unavailable"
    zh = "系统繁忙，数据库暂时无法访问，请稍后重试"
    en = "The database is unreachable for the moment; please try again shortly"


def is_db_outage(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) says the database cannot be reached, not that a query was wrong."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if _outage_itself(e):
            return True
        todo += [e.__cause__, e.__context__, getattr(e, "orig", None)]
    return False


def _outage_itself(e: BaseException) -> bool:
    from sqlalchemy import exc as sa

    if isinstance(e, sa.DBAPIError) and e.connection_invalidated:
        return True
    if isinstance(e, sa.TimeoutError | sa.DisconnectionError):  # no pooled connection in time; a dead one
        return True
    if type(e).__module__.startswith("asyncpg"):
        import asyncpg

        if isinstance(e, asyncpg.exceptions.InterfaceError):  # "cannot perform operation: connection is closed"
            return "closed" in str(e)  # (others, "another operation is in progress" say, are bugs)
        return str(getattr(e, "sqlstate", "") or "").startswith(TRANSIENT_SQLSTATES)
    if isinstance(e, ConnectionError | TimeoutError) or (isinstance(e, OSError) and e.errno in NETWORK_ERRNOS):
        return _raised_in(e, DB_PACKAGES)
    return False


def _raised_in(e: BaseException, packages: tuple[str, ...]) -> bool:
    """Some frame of the exception's traceback is in one of ``packages`` (or it has no traceback: the driver's
    connect failed inside the event loop's transport code, reached from the pool)."""
    tb = e.__traceback__
    if tb is None:
        return False
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.split(".")[0] in packages:
            return True
        tb = tb.tb_next
    return False


_last_logged = 0.0


def note(exc: BaseException, where: str) -> None:
    """One warning line for an outage (no traceback), at most every LOG_EVERY_SECONDS."""
    global _last_logged
    at = time.monotonic()
    if at - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = at
        log.warning("database unavailable (%s): %s: %s", where, type(exc).__name__, str(exc)[:200])


def log_failure(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """For background loops (router, timers, sockets): an outage is ``note``d in one line; anything else is
    logged with its traceback as before."""
    if is_db_outage(exc):
        note(exc, what)
    else:
        logger.error(what, exc_info=exc)


def install(app: FastAPI) -> None:
    """Answer 503 DatabaseUnavailable for requests the database's absence failed; anything else goes on to the
    app's other handlers unchanged (the last-resort 500 with its traceback)."""
    from sqlalchemy import exc as sa

    async def outage(conn: HTTPConnection, exc: Exception):
        if not is_db_outage(exc):
            raise exc
        note(exc, conn.url.path)
        err = DatabaseUnavailable()
        if isinstance(conn, WebSocket):  # a socket the outage broke (its handshake, say): the client comes back
            with contextlib.suppress(RuntimeError, OSError):
                await conn.close(code=CLOSE_TRY_AGAIN, reason=err.en[:120])
            return None
        return JSONResponse(err.to_dict(), status_code=err.status, headers={"Retry-After": "5"})

    for cls in (sa.DBAPIError, sa.TimeoutError, sa.DisconnectionError, OSError):  # OSError: TimeoutError too
        app.add_exception_handler(cls, outage)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return
    app.add_exception_handler(asyncpg.exceptions.PostgresError, outage)
    app.add_exception_handler(asyncpg.exceptions.InterfaceError, outage)
