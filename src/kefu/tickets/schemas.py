from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field

from kefu.core.clock import as_utc, iso, now
from kefu.sla import rules as sla
from kefu.tickets import rules
from kefu.tickets.models import Ticket

MAX_PROBLEM = 5000
CLOCKS = ("first_response", "resolution")


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
    assignee_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="a colleague to own it")
    auto_assign: bool = Field(default=False, description="let routing's rules pick the owner (skill, load)")


class TicketPatch(BaseModel):
    kind: str | None = Field(default=None, max_length=16)
    priority: str | None = Field(default=None, max_length=16)
    title: str | None = Field(default=None, max_length=200)
    demand: str | None = Field(default=None, max_length=1000)
    tags: list[str] | None = Field(default=None, max_length=20)


class AssignIn(BaseModel):
    assignee_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="None: routing's rules pick")


class MergeIn(BaseModel):
    into: str = Field(max_length=16, description="the number of the ticket to keep")


class StatusIn(BaseModel):
    status: str = Field(max_length=24)


ImageKeys = list[Annotated[str, Field(max_length=64)]]
IMAGES_FIELD = Field(default_factory=list, max_length=20,
                     description="keys of uploaded images (POST /api/attachments or /api/widget/attachments), up to 6")


class NoteIn(BaseModel):
    text: str = Field(default="", max_length=MAX_PROBLEM, description="may be empty when images are attached")
    internal: bool = False
    attachments: ImageKeys = IMAGES_FIELD


def clock_left(t: Ticket, clock: str) -> timedelta | None:
    value = getattr(t, f"{clock}_left_s")
    return None if value is None else timedelta(seconds=value)


def clock_done_at(t: Ticket, clock: str) -> datetime | None:
    return as_utc(t.first_responded_at if clock == "first_response" else t.resolved_at)


def ticket_out(t: Ticket, at: datetime | None = None) -> dict:
    at = at or now()
    clocks = {}
    for clock in CLOCKS:
        due, left = as_utc(getattr(t, f"{clock}_due_at")), clock_left(t, clock)
        clocks[clock] = {"state": sla.clock_state(due, left, clock_done_at(t, clock), at), "due_at": iso(due),
                         "left_s": None if left is None else left.total_seconds()}
    zh, en = rules.LABELS[t.status]
    return {"number": t.number, "kind": t.kind, "priority": t.priority, "status": t.status,
            "status_label": {"zh": zh, "en": en}, "category": rules.category(t.status), "title": t.title,
            "problem": t.problem, "demand": t.demand, "customer_id": t.customer_id,
            "conversation_id": t.conversation_id, "order_numbers": t.order_numbers, "tags": t.tags,
            "assignee_id": t.assignee_id, "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
            "first_responded_at": iso(t.first_responded_at), "resolved_at": iso(t.resolved_at),
            "closed_at": iso(t.closed_at), "clocks": clocks, "escalated_at": iso(t.escalated_at),
            "quick": None if t.quick_due_at is None else {
                "due_at": iso(t.quick_due_at), "acted_at": iso(t.quick_acted_at),
                "state": "met" if t.quick_acted_at else "breached" if as_utc(t.quick_due_at) <= at else "running"},
            "merged_into_id": t.merged_into_id}


def buyer_out(t: Ticket, notes: list, cal: sla.Calendar, images: dict[int, list[dict]] | None = None) -> dict:
    """A ticket as its buyer sees it: status, next step with the deadline in the shop's time, the replies with
    their images (``images``: by note id)."""
    due = as_utc(t.resolution_due_at)
    due_local = due.astimezone(cal.zone).strftime("%m-%d %H:%M") if due is not None else None
    zh, en = rules.LABELS[t.status]
    return {"number": t.number, "title": t.title, "kind": t.kind, "status": t.status,
            "status_label": {"zh": zh, "en": en}, "next_step": rules.next_step(t.status, due_local),
            "resolution_due_at": iso(due), "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
            "messages": [{"author": n.author, "text": n.text, "at": iso(n.created_at),
                          "attachments": (images or {}).get(n.id, [])} for n in notes]}
