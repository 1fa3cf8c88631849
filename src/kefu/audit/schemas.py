"""What the audit endpoints take: every filter bounded at the edge (kefu.core.validation's rules)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from kefu.audit.service import Filters
from kefu.core.validation import FIRST_YEAR, LAST_YEAR, MAX_POSITION, QueryId


def _sane_year(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


Day = Annotated[date, AfterValidator(_sane_year), Query(description="a calendar day of the shop, YYYY-MM-DD")]
BeforeId = Annotated[int, Query(ge=1, le=MAX_POSITION, description="the next page: entries older than this id")]


def filters(action: str | None = Query(None, max_length=48, pattern=r"^[a-z_.]+$",
                                       description="an action, or a family without a dot (settings, export …)"),
            agent_id: QueryId | None = None, since: Day | None = None, until: Day | None = None,
            q: str | None = Query(None, max_length=100, description="free text over who, target and detail")
            ) -> Filters:
    return Filters(action=action or None, agent_id=agent_id, since=since, until=until, q=(q or "").strip() or None)
