"""What every id, count and time that comes in over HTTP or a socket must be, in one place: ids fit the
32-bit columns PostgreSQL keeps them in (a bigger one was a 500 — integer out of range — where it should be a
clear 422), event positions fit a JavaScript number, and times carry their time zone and a sane year (a naive
time mixed with stored aware ones was a 500). tests/core/test_edge_types.py walks the whole OpenAPI schema so
that a new endpoint cannot forget."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, Field

MAX_ID = 2**31 - 1  # ids, sequence numbers, versions, counts: PostgreSQL integer
MAX_POSITION = 2**53  # event positions (bigint) as a browser can hold them
AWARE = {"x-aware": True}  # marks a time field in the schema as zone-checked (the schema test reads it)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _sane_year(value: datetime) -> datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=MAX_ID)]
When = Annotated[AwareDatetime, AfterValidator(_sane_year), Field(json_schema_extra=AWARE)]

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
After = Annotated[int, Query(ge=0, le=MAX_POSITION, description="the last event position the client has")]
QueryWhen = Annotated[AwareDatetime, AfterValidator(_sane_year), Query(json_schema_extra=AWARE)]
# a time where the API has always read one without an offset as UTC (the bot's stats `since`)
QueryUtc = Annotated[datetime, AfterValidator(_utc), AfterValidator(_sane_year), Query(json_schema_extra=AWARE)]
