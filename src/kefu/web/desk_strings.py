"""UI strings of the agent's desk: notifications, quick replies, the widget's actions (zh, en; see i18n.py)."""

from __future__ import annotations

DESK_STRINGS: dict[str, tuple[str, str]] = {
}
