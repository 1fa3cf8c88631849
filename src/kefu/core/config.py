"""Settings read from the environment (KEFU_*). See docs/operations.md."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path(".kefu"), description="where the SQLite file and secret key live")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir")
    sqlite_synchronous: Literal["normal", "full"] = Field(
        default="normal", description="SQLite: normal (a commit survives a killed process) or full (also a power cut)")
    db_concurrency: int = Field(default=4, ge=1, le=30,
                                description="PostgreSQL: transactions one process runs at once (SQLite: always 1)")
    redis_url: str = Field(default="", description="redis://host:port/db; empty means in-process only")
    namespace: str = Field(default="", pattern=r"^[A-Za-z0-9_.-]{0,64}$",
                           description="names this deployment's Redis channel; empty: derived from the database URL")
    buyer_message_burst: int = Field(default=20, ge=1, le=10_000, description="messages a buyer may send at once")
    buyer_messages_per_second: float = Field(default=2.0, ge=0, le=1000,
                                             description="then this many a second (0: no limit)")
    secret_key: str = Field(default="", description="signs visitor tokens; generated into data_dir if empty")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field(default="", description="base URL printed and used in the embed snippet")
    cookie_secure: bool = False
    session_hours: int = 12
    visitor_token_days: int = 365
    max_message_chars: int = 5000
    ws_compression: bool = Field(default=False, description="permessage-deflate: less bandwidth, more CPU")
    auto_migrate: bool = True
    scheduler_interval: float = Field(default=1.0, description="seconds between timer passes; 0 disables")
    gc_tune: bool = Field(default=True, description="freeze start-up objects, rarer full GC passes (tail latency)")
    nlu_workers: int = Field(default=1, ge=0, le=8, description="processes that understand buyer lines beside "
                             "the event loop (0: on the loop)")
    routing_auto: bool = Field(default=True, description="assign waiting buyers to agents automatically")
    routing_sweep_seconds: float = Field(default=5.0, description="safety-net routing pass interval")
    agent_silent_seconds: int = Field(default=180, description="an online agent unseen this long is set away; 0: never")
    requeue_grace_seconds: int = Field(default=60, ge=0, le=3600,
                                       description="an absent agent's unanswered chats go back to the queue after this")
    smtp_host: str = Field(default="", description="SMTP server for ticket mail to buyers; empty: no email")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = Field(default="", description="the From address of kefu's mail, e.g. service@shop.example")
    smtp_user: str = Field(default="", description="SMTP login; empty: send without logging in")
    smtp_password: str = ""
    smtp_starttls: bool = Field(default=True, description="upgrade the connection with STARTTLS before logging in")

    @field_validator("agent_silent_seconds")
    @classmethod
    def _silence_outlasts_pings(cls, value: int) -> int:
        # The workspace pings every 25 s and a process writes last_seen at most once a minute.
        if value != 0 and value < 90:
            raise ValueError("KEFU_AGENT_SILENT_SECONDS must be 0 (off) or at least 90")
        return value

    def resolved_database_url(self) -> str:
        url = self.database_url.strip()
        if not url:
            private_dir(self.data_dir)
            return f"sqlite+aiosqlite:///{(self.data_dir / 'kefu.db').resolve()}"
        return normalize_database_url(url)

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        private_dir(self.data_dir)
        path = self.data_dir / "secret_key"
        if not path.exists():
            private_file(path, secrets.token_urlsafe(48).encode())
        return path.read_text().strip()

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS: asked for (KEFU_COOKIE_SECURE), or kefu is reached over TLS."""
        return self.cookie_secure or self.public_url.strip().lower().startswith("https://")

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def private_dir(path: Path) -> Path:
    """A directory only kefu's user may enter (0700): the data dir and everything kefu keeps under it. An
    existing one that others could read is closed up."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_file(path: Path, data: bytes | None = None) -> None:
    """Create ``path`` readable by kefu's user only (0600) from its first byte — never written first and
    chmod-ed after — and write ``data``. An existing file is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        if data:
            f.write(data)


def normalize_database_url(url: str) -> str:
    """Accept plain postgresql:// and sqlite:// URLs and pick the async drivers."""
    for prefix, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix):]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
