from __future__ import annotations

from pydantic import BaseModel, Field

from kefu.tickets.schemas import IMAGES_FIELD, MAX_PROBLEM, ImageKeys


class LookupIn(BaseModel):
    number: str = Field(max_length=16, description="the ticket number, e.g. T-7K3QX9")
    phone_last4: str = Field(max_length=8, description="the last four digits of the buyer's phone")


class BuyerMessageIn(BaseModel):
    text: str = Field(default="", max_length=MAX_PROBLEM, description="may be empty when photos are attached")
    attachments: ImageKeys = IMAGES_FIELD


class BuyerTicketIn(BaseModel):
    """A message the buyer leaves (留言): their problem, what they want, the order it is about."""
    kind: str | None = Field(default=None, max_length=16,
                             description="售后 / 咨询 / 投诉; none: from what the buyer wrote")
    problem: str = Field(max_length=MAX_PROBLEM)
    demand: str = Field(default="", max_length=1000)
    order_numbers: list[str] = Field(default_factory=list, max_length=5)
    conversation_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="the chat it comes from")
    email: str = Field(default="", max_length=254,
                       description="where the buyer wants progress mailed (optional; kept on the buyer)")
