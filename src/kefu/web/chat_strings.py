"""UI strings of templates, the knowledge panel and the bot in the chat (zh, en; see i18n.py)."""

from __future__ import annotations

CHAT_STRINGS: dict[str, tuple[str, str]] = {
}
