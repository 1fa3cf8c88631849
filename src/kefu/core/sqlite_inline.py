"""SQLite without the thread hop: the aiosqlite interface SQLAlchemy's async dialect expects, run inline.

aiosqlite runs each connection in its own thread and sends every call (cursor, execute, fetch, close)
there and back: about four thread round trips per statement, most of a chat message's cost on SQLite.
SQLite statements of a service desk take microseconds, and kefu lets one transaction at a time reach
SQLite (the Database gate), so nothing here ever waits on a lock held by this process; running the call
in the event loop's own thread is both faster and simpler: with WAL and synchronous=NORMAL a transaction
runs from start to commit without yielding, so it holds the database for its own CPU time only, never for
the loop's other work. A lock held by another process (a CLI command) is waited for by SQLite's busy
timeout, briefly blocking this loop — the price of a file database.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any


class _Cursor:
    __slots__ = ("_cur",)

    def __init__(self, cur: sqlite3.Cursor) -> None:
        self._cur = cur

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._cur.close()

    async def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        self._cur.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, seq: Any) -> _Cursor:
        self._cur.executemany(sql, seq)
        return self

    async def fetchone(self) -> Any:
        return self._cur.fetchone()

    async def fetchmany(self, size: int | None = None) -> list:
        return self._cur.fetchmany(size if size is not None else self._cur.arraysize)

    async def fetchall(self) -> list:
        return self._cur.fetchall()

    async def close(self) -> None:
        self._cur.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cur.description

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cur.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cur.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cur.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set the isolation level."""

    def __init__(self) -> None:
        self.conn: sqlite3.Connection | None = None

    def put_nowait(self, item: tuple[Any, Any]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # handed back to the awaiting caller
            future.set_exception(exc)


class InlineConnection:
    def __init__(self, conn: sqlite3.Connection, synchronous_full: bool = False) -> None:
        self._conn = conn
        self.synchronous_full = synchronous_full
        self._connection = conn  # what SQLAlchemy checks for "still open"
        self._tx = _RunNow()

    def cursor(self) -> _Cursor:
        return _Cursor(self._conn.cursor())

    async def commit(self) -> None:
        if self.synchronous_full:
            # Waits on the disk (fsync): in a worker thread, so the loop serves sockets meanwhile.
            await asyncio.to_thread(self._conn.commit)
        else:  # WAL + synchronous=NORMAL: the commit is a write to the WAL file, no fsync
            self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value


def creator(path: str, synchronous: str = "normal", timeout: float = 30.0):
    """``async_creator`` for create_async_engine: a new inline connection to the database file.

    ``synchronous``: "normal" (WAL's usual setting: a commit survives the process being killed, and the
    last ones may be lost only if the machine itself loses power before the next checkpoint) or "full"
    (an fsync per commit, run in a worker thread)."""
    async def connect() -> InlineConnection:
        conn = sqlite3.connect(path, timeout=timeout, check_same_thread=False)
        conn.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'full' else 'NORMAL'}")
        return InlineConnection(conn, synchronous == "full")

    return connect
