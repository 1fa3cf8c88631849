from __future__ import annotations

from pydantic import BaseModel, Field

from kefu.core.validation import Id


class SlaSettingsIn(BaseModel):
    """A shop's SLA policy as the admin page sends it (checked further by kefu.sla.rules.check_settings)."""
    tz: str = Field(default="Asia/Shanghai", max_length=64)
    hours: list[list[str] | None] = Field(min_length=7, max_length=7,
                                          description='Monday..Sunday: ["09:00", "18:00"] or null (closed)')
    makeup_hours: list[str] = Field(default=["09:00", "18:00"], min_length=2, max_length=2)
    holidays: list[str] = Field(default_factory=list, max_length=400, description="YYYY-MM-DD dates closed")
    workdays: list[str] = Field(default_factory=list, max_length=400, description="make-up working days (调休)")
    targets: dict[str, dict[str, list[float]]] = Field(
        max_length=30, description='{type: {priority: [first-response hours, resolution hours]}}')
    types: list[str] = Field(default_factory=list, max_length=20, description="the shop's own ticket types")
    quick_team: list[Id] = Field(default_factory=list, max_length=50,
                                  description="ids of the agents on the quick-response team")
