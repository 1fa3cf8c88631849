"""UI strings of the complaint workflow (stages, HEAT reminders, the agreement card, follow-up visits, buyer-type flags)
(zh, en; see i18n.py)."""

from __future__ import annotations

COMPLAINT_STRINGS: dict[str, tuple[str, str]] = {
}
