"""The one source of time. Tests freeze and advance it; code never calls datetime.now()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen if self._frozen is not None else datetime.now(UTC)

    def freeze(self, at: datetime | None = None) -> datetime:
        self._frozen = (at or datetime.now(UTC)).astimezone(UTC)
        return self._frozen

    def advance(self, seconds: float = 0, **kw: float) -> datetime:
        if self._frozen is None:
            self.freeze()
        assert self._frozen is not None
        self._frozen += timedelta(seconds=seconds, **kw)
        return self._frozen

    def unfreeze(self) -> None:
        self._frozen = None


clock = Clock()


def now() -> datetime:
    return clock.now()


def iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat() if value else None


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; treat them as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
