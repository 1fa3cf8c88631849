"""UI strings of the agent's desk: notifications, quick replies, the widget's actions (zh, en; see i18n.py)."""

from __future__ import annotations

DESK_STRINGS: dict[str, tuple[str, str]] = {
    # --- notifications (notify.js) ---------------------------------------------------------------------
    "notify_on": ("提醒已开", "Alerts on"),
    "notify_off": ("已静音", "Muted"),
    "notify_toggle_help": ("新买家和新消息的提示音与桌面通知（仅对本账号在此浏览器生效）",
                           "Sound and desktop alerts for new buyers and messages (this account, this browser)"),
    "notify_new_buyer": ("新买家：{name}", "New buyer: {name}"),
    "notify_new_message": ("{name} 发来新消息", "New message from {name}"),
    "notify_denied": ("浏览器已禁止桌面通知，可在地址栏的网站设置中开启", "Desktop notifications are blocked: "
                      "allow them in the site settings of your browser"),
    # --- quick replies (quick-replies.js) ---------------------------------------------------------------
    "qr_manage": ("管理快捷回复", "Manage quick replies"),
    "qr_manage_short": ("管理", "Edit"),
    "qr_none": ("还没有快捷回复，点“管理”固定常用话术", "No quick replies yet: pin some with “Edit”"),
    "qr_mine_hint": ("按钮显示在回复框上方，只对您自己生效。可固定话术模板，或添加自己的短句。",
                     "Shown above your reply box, for you only. Pin reply templates or add short lines of your own."),
    "qr_defaults_title": ("店铺默认快捷回复", "Shop default quick replies"),
    "qr_defaults_hint": ("没有自定义快捷回复的客服会看到这些按钮。", "Agents who have not pinned their own see these."),
    "qr_from_shop": ("当前使用店铺默认设置", "Using the shop's defaults"),
    "qr_from_builtin": ("当前使用系统默认设置", "Using the built-in defaults"),
    "qr_from_mine": ("当前使用您自己的设置", "Using your own list"),
    "qr_pin_template": ("固定话术模板", "Pin a template"),
    "qr_pick_template": ("选择模板…", "Choose a template…"),
    "qr_pin": ("固定", "Pin"),
    "qr_own_line": ("添加自己的短句", "Your own line"),
    "qr_label": ("按钮名", "Label"),
    "qr_text": ("内容", "Text"),
    "qr_add": ("添加", "Add"),
    "qr_up": ("上移", "Move up"),
    "qr_down": ("下移", "Move down"),
    "qr_unpin": ("取消固定", "Unpin"),
    "qr_template_chip": ("模板", "Template"),
    "qr_empty_list": ("列表为空：回复框上方不显示按钮", "Empty: no buttons above the reply box"),
    "qr_reset": ("恢复店铺默认", "Back to shop defaults"),
    "qr_save": ("保存", "Save"),
    "qr_saved": ("快捷回复已保存", "Quick replies saved"),
    "qr_full": ("最多固定 12 条", "Pin at most 12"),
}
