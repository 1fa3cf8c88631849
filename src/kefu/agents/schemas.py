from __future__ import annotations

from pydantic import BaseModel, Field


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class PresenceIn(BaseModel):
    presence: str = Field(description="online / away / break / offline")


class AgentIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(min_length=1, max_length=256)
    display_name: str = Field(default="", max_length=64)
    role: str = "agent"
    group: str = "售前"
    skills: list[str] | str = Field(default_factory=list)
    max_chats: int = Field(default=5, ge=1, le=50)


class AgentPatch(BaseModel):
    role: str | None = Field(default=None, max_length=32)
    active: bool | None = None
