from __future__ import annotations

from pydantic import BaseModel, Field


class RetentionIn(BaseModel):
    retention_days: int | None = Field(default=None, ge=0, le=3650,
                                       description="keep closed conversations this many days (7-3650); "
                                                   "0 or null: for ever")
    retention_mode: str = Field(default="anonymise", max_length=16,
                                description="anonymise (personal details masked) or delete (words and images)")


class EraseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200,
                        description="the buyer's request as received (when, how): kept in the audit log")
