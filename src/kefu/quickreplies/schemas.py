"""Request bodies of the quick-reply API (items are validated by rules.clean_items)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class QuickRepliesIn(BaseModel):
    items: list[dict] = Field(max_length=50, description='in order: {"template_id": id} or {"label", "text"}')
