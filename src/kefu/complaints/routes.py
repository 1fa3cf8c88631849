"""complaints over REST (being built for #13)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["complaints"])
