"""What kefu keeps on disk is readable by kefu's user only: the data dir 0700, the secret key, the SQLite
database with its -wal/-shm files and uploaded images 0600 — from the moment they are created, whatever the
process umask."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from kefu.attachments.service import _write
from kefu.core.config import Settings
from kefu.core.db import Database


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0)  # the worst case: everything created world-writable unless kefu says otherwise
    yield
    os.umask(old)


def test_secret_key_and_data_dir_are_private(tmp_path, open_umask):
    s = Settings(data_dir=tmp_path / "data", secret_key="")
    key = s.resolved_secret_key()
    assert len(key) > 40 and s.resolved_secret_key() == key  # generated once, then read back
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "secret_key") == 0o600


def test_an_existing_open_data_dir_is_closed_up(tmp_path, open_umask):
    d = tmp_path / "data"
    d.mkdir(mode=0o755)
    Settings(data_dir=d, secret_key="x" * 48, database_url="").resolved_database_url()
    assert mode(d) == 0o700


def test_sqlite_database_and_its_wal_files_are_private(tmp_path, open_umask):
    s = Settings(data_dir=tmp_path / "data", database_url="")
    db = Database(s.resolved_database_url())

    async def write():
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (1)"))
        # while the database is open its -wal and -shm files exist
        modes = {p.name: mode(p) for p in (tmp_path / "data").iterdir() if p.name.startswith("kefu.db")}
        await db.dispose()
        return modes

    assert asyncio.run(write()) == {"kefu.db": 0o600, "kefu.db-wal": 0o600, "kefu.db-shm": 0o600}


def test_uploaded_images_are_private(tmp_path, open_umask):
    folder = tmp_path / "attachments" / "1"
    _write(folder, "abc", b"\x89PNG...")
    assert (folder / "abc").read_bytes() == b"\x89PNG..."
    assert mode(folder) == 0o700 and mode(folder / "abc") == 0o600
    assert [p.name for p in folder.iterdir()] == ["abc"]  # no temporary file left behind
