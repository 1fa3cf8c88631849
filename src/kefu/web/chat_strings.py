"""UI strings of templates, the knowledge panel and the bot in the chat (zh, en; see i18n.py)."""

from __future__ import annotations

CHAT_STRINGS: dict[str, tuple[str, str]] = {
    "kbp_suggest_asked": ("根据买家的问题：{q}", "For what the buyer asked: {q}"),
    "kbp_suggest_small_talk": ("买家还没提出具体问题（问候、致谢不推荐）",
                               "No question from the buyer yet (greetings and thanks get no suggestions)"),
    "tpl_unfilled": ("还有未填写的字段 {vars}，填好后再发送", "Fill in {vars} before sending"),
}
