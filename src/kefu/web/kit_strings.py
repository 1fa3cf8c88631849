"""UI strings of a new shop's page and starter kit (zh, en; see i18n.py)."""

from __future__ import annotations

KIT_STRINGS: dict[str, tuple[str, str]] = {
}
