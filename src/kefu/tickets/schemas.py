from __future__ import annotations

from pydantic import BaseModel, Field

MAX_PROBLEM = 5000


class TicketIn(BaseModel):
    kind: str = Field(max_length=16, description="售后 / 咨询 / 投诉")
    priority: str = Field(default="normal", max_length=16, description="low / normal / high / urgent")
    title: str = Field(max_length=200)
    problem: str = Field(default="", max_length=MAX_PROBLEM, description="the buyer's problem, in their words")
    demand: str = Field(default="", max_length=1000, description="what the buyer asks for (refund, reship, …)")
    conversation_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    customer_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    order_numbers: list[str] = Field(default_factory=list, max_length=20)
    tags: list[str] = Field(default_factory=list, max_length=20)


class StatusIn(BaseModel):
    status: str = Field(max_length=24)


class NoteIn(BaseModel):
    text: str = Field(max_length=MAX_PROBLEM)
    internal: bool = False


class BuyerMessageIn(BaseModel):
    text: str = Field(max_length=MAX_PROBLEM)
