"""Request bodies of the compensation API. Amounts arrive in yuan and are checked by rules.to_fen."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from kefu.compensation.rules import NOTE_CHARS


class OfferIn(BaseModel):
    kind: str = Field(max_length=24, description="coupon / gift / shipping_refund / partial_refund")
    amount: Decimal | str = Field(description="yuan, > 0, at most 2 decimals, at most 100000",
                                  json_schema_extra={"examples": ["20", "12.5"]})
    note: str = Field(default="", max_length=NOTE_CHARS, description="why; required when beyond authority")


class DecisionIn(BaseModel):
    note: str = Field(default="", max_length=NOTE_CHARS, description="required to reject")


class LimitsIn(BaseModel):
    roles: dict = Field(description="{role: {per_case_fen, per_day_fen (null: no limit), kinds: [...]}}")
