"""UI strings of routing, presence, transfers and the queue (zh, en; see i18n.py)."""

from __future__ import annotations

ROUTING_STRINGS: dict[str, tuple[str, str]] = {
}
