"""Request bodies of the complaint workflow, follow-up visits and buyer-type flags, and how rows are shown."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from kefu.agents.models import Agent
from kefu.complaints import rules
from kefu.complaints.models import BuyerFlag, FollowUp
from kefu.core.clock import as_utc, iso
from kefu.core.validation import MAX_POSITION

MAX_ID = 2**31 - 1
Scalar = str | bool | None


class StageIn(BaseModel):
    """The current stage's fields (only those given change): facts {what, when, demand}, responsibility
    {party, note}, remedy {text, compensation}, agreement {remedy, next_steps, deadline}, soothe {note}."""
    data: dict[str, Scalar] = Field(default_factory=dict)

    @field_validator("data")
    @classmethod
    def _small(cls, v: dict) -> dict:
        if len(v) > 10 or any(len(k) > 32 for k in v):
            raise ValueError("too many or too long field names")
        return v


class ReopenIn(BaseModel):
    stage: str = Field(max_length=16)
    note: str = Field(default="", max_length=rules.NOTE_CHARS)


class ConfirmIn(BaseModel):
    """The agreement card the buyer confirms (its chat message id): a card replaced by a newer one is refused."""
    message_id: int | None = Field(default=None, ge=1, le=MAX_POSITION)


class FollowUpDoneIn(BaseModel):
    outcome: str = Field(max_length=16)
    note: str = Field(default="", max_length=rules.NOTE_CHARS)


class FollowUpPatch(BaseModel):
    owner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    due_at: str | None = Field(default=None, max_length=40)


class FlagIn(BaseModel):
    flag: str = Field(max_length=16)
    note: str = Field(max_length=rules.NOTE_CHARS * 2)
    conversation_id: int | None = Field(default=None, ge=1, le=MAX_ID)


def _name(agents: dict[int, Agent], agent_id: int | None) -> str | None:
    a = agents.get(agent_id) if agent_id else None
    return a.display_name if a else None


def followup_out(fu: FollowUp | None, agents: dict[int, Agent], number: str | None = None,
                 at: datetime | None = None) -> dict | None:
    if fu is None:
        return None
    due = iso(fu.due_at)
    return {"id": fu.id, "case_number": number, "owner_id": fu.owner_id, "owner_name": _name(agents, fu.owner_id),
            "due_at": due, "done_at": iso(fu.done_at), "outcome": fu.outcome or None,
            "outcome_label": rules.label(rules.OUTCOMES, fu.outcome or None), "note": fu.note,
            "overdue": bool(at and not fu.done_at and as_utc(fu.due_at) <= at)}


def flag_out(f: BuyerFlag, agents: dict[int, Agent]) -> dict:
    return {"id": f.id, "customer_id": f.customer_id, "flag": f.flag, "label": rules.label(rules.FLAGS, f.flag),
            "hint": rules.label(rules.FLAG_HINTS, f.flag), "note": f.note, "agent_id": f.agent_id,
            "agent_name": _name(agents, f.agent_id), "conversation_id": f.conversation_id, "active": f.active,
            "created_at": iso(f.created_at), "cleared_by_id": f.cleared_by_id,
            "cleared_by_name": _name(agents, f.cleared_by_id), "cleared_at": iso(f.cleared_at)}
