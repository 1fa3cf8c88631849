from __future__ import annotations

from pydantic import BaseModel, Field

from kefu.core.validation import Id


class TransferIn(BaseModel):
    agent_id: Id | None = Field(default=None, description="a colleague to hand over to at once")
    group: str | None = Field(default=None, description="or a group (售前 / 售后 / 投诉) whose queue takes it")
    note: str = Field(default="", max_length=500)


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=500)
