"""UI strings of templates, the knowledge panel and the bot in the chat (zh, en; see i18n.py)."""

from __future__ import annotations

CHAT_STRINGS: dict[str, tuple[str, str]] = {
    "kbp_suggest_asked": ("根据买家的问题：{q}", "For what the buyer asked: {q}"),
    "kbp_suggest_small_talk": ("买家还没提出具体问题（问候、致谢不推荐）",
                               "No question from the buyer yet (greetings and thanks get no suggestions)"),
    "tpl_unfilled": ("还有未填写的字段 {vars}，填好后再发送", "Fill in {vars} before sending"),
    # --- masked personal details in the workspace (chat-view.js, orders-panel.js) ----------------------------
    "wsp_show": ("查看", "Show"),
    "wsp_show_help": ("查看会记录在审计日志中", "Showing it is recorded in the audit log"),
    "wsp_removed": ("该消息已按店铺隐私规则删除", "Removed under the shop's privacy rule"),
    "wsp_anonymised": ("已匿名", "Anonymised"),
    "wsp_anonymised_help": ("个人信息已按店铺隐私规则隐去", "Personal details hidden under the shop's privacy rule"),
    "wsp_email": ("邮箱", "E-mail"),
    "wsp_erased": ("已按买家要求删除个人信息", "Personal details erased at the buyer's request"),
}
