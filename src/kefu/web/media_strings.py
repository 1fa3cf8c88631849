"""UI strings of images in chat (widget and workspace) (zh, en; see i18n.py)."""

from __future__ import annotations

MEDIA_STRINGS: dict[str, tuple[str, str]] = {
}
