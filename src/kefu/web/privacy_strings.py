"""Strings of the shop admin's personal-information page (admin_privacy.html, privacy-admin.js). See i18n.py."""

from __future__ import annotations

PRIVACY_STRINGS: dict[str, tuple[str, str]] = {
    "pv_tab": ("隐私与个人信息", "Privacy"),
    "pv_title": ("隐私与个人信息", "Privacy and personal information"),
    "pv_intro": ("设定买家会话保留多久，并处理买家查阅、复制或删除个人信息的请求（《个人信息保护法》）。",
                 "Decide how long buyers' conversations are kept, and answer a buyer's request to see, copy or "
                 "erase their personal information (PIPL)."),
    # --- retention ---------------------------------------------------------------------------------------
    "pv_ret_title": ("会话保留规则", "Retention"),
    "pv_days": ("会话结束后保留天数", "Keep closed conversations for (days)"),
    "pv_days_ph": ("一直保留", "Keep for ever"),
    "pv_days_help": ("{min}–{max} 天；留空表示一直保留。", "{min}–{max} days; leave empty to keep them for ever."),
    "pv_mode": ("到期后", "When the time is up"),
    "pv_mode_anonymise": ("匿名化", "Anonymise"),
    "pv_mode_anonymise_help": ("手机号、身份证号、地址等被遮盖，文字保留",
                               "Phones, ID numbers, addresses and the like are masked; the words stay"),
    "pv_mode_delete": ("删除内容", "Delete the content"),
    "pv_mode_delete_help": ("文字和图片删除", "The words and images are deleted"),
    "pv_keeps": ("消息条数、时间、评价和统计数据都会保留，报表不受影响。系统每晚 03:00（北京时间）按规则自动处理。",
                 "The messages' count and times, ratings and statistics are kept, so reports do not change. "
                 "The rule is applied every night at 03:00 (China time)."),
    "pv_save": ("保存", "Save"),
    "pv_saved": ("已保存", "Saved"),
    "pv_rule_forever": ("当前规则：一直保留", "Current rule: keep for ever"),
    "pv_rule": ("当前规则：会话结束 {days} 天后{mode}", "Current rule: {mode} {days} days after a conversation closes"),
    "pv_rule_anonymise": ("匿名化", "anonymise"),
    "pv_rule_delete": ("删除内容", "delete the content"),
    "pv_preview_title": ("预览（不会改动任何数据）", "Dry run (changes nothing)"),
    "pv_preview_forever": ("会话一直保留，不会自动处理。", "Conversations are kept for ever: nothing is processed."),
    "pv_preview_none": ("按当前规则，今晚没有需要处理的会话。", "Under the current rule, nothing is due tonight."),
    "pv_preview": ("按当前规则，今晚将处理 {c} 个会话、{m} 条消息、{i} 张图片，最早结束于 {oldest}。",
                   "Under the current rule, tonight's pass will process {c} conversation(s), {m} message(s) and "
                   "{i} image(s), the oldest closed on {oldest}."),
    "pv_run": ("立即执行", "Run now"),
    "pv_run_confirm": ("立即按当前规则处理 {c} 个会话？此操作不可撤销。",
                       "Process {c} conversation(s) under the current rule now? This cannot be undone."),
    "pv_run_done": ("已处理 {c} 个会话、{m} 条消息、{i} 张图片。",
                    "Processed {c} conversation(s), {m} message(s) and {i} image(s)."),
    "pv_run_more": ("还有会话待处理，可再次执行。", "More remain: run it again."),
    "pv_last_never": ("尚未执行过。", "Not run yet."),
    "pv_last": ("上次执行：{at}，处理了 {c} 个会话、{m} 条消息、{i} 张图片（{mode}）。",
                "Last run: {at}, {c} conversation(s), {m} message(s) and {i} image(s) ({mode})."),
    # --- a buyer's requests ------------------------------------------------------------------------------
    "pv_req_title": ("买家个人信息请求", "Buyer requests"),
    "pv_req_intro": ("买家要求查阅、复制或删除其个人信息时，先找到这位买家。导出的文件可直接交给买家；"
                     "删除后其聊天文字和图片、工单与售后描述都会清除，订单按《电子商务法》保留三年。导出和删除都会记入审计日志。",
                     "When a buyer asks to see, copy or erase their personal information, find them first. The "
                     "export can be handed to the buyer as it is; erasing clears their chat words and images and "
                     "the texts of their tickets and after-sale cases, while orders are kept three years (E-commerce "
                     "Law). Exports and erasures are recorded in the audit log."),
    "pv_search": ("查找买家", "Find a buyer"),
    "pv_search_ph": ("买家编号（#12）、姓名、完整手机号、访客 ID 或订单号",
                     "Number (#12), name, full phone, visitor id or order no."),
    "pv_search_go": ("查找", "Search"),
    "pv_none": ("没有找到买家", "No buyer found"),
    "pv_buyer_since": ("{since} 起 · {n} 个会话", "since {since} · {n} conversation(s)"),
    "pv_no_phone": ("无手机号", "no phone"),
    "pv_export": ("导出数据", "Export data"),
    "pv_erase": ("删除个人信息", "Erase personal data"),
    "pv_erased": ("已删除", "Erased"),
    "pv_erased_at": ("于 {at} 删除", "erased on {at}"),
    "pv_reason": ("删除依据（收到的请求）", "Grounds (the request as received)"),
    "pv_reason_ph": ("如：12月7日买家来电要求删除", "e.g. buyer phoned on 7 Dec asking to be erased"),
    "pv_reason_needed": ("请填写删除依据", "Say what request this answers"),
    "pv_erase_go": ("确认删除", "Erase"),
    "pv_erase_confirm": ("确定删除买家「{name}」（#{id}）的个人信息？聊天文字和图片将被删除，此操作不可撤销。",
                         "Erase the personal data of buyer “{name}” (#{id})? Their chat words and images will be "
                         "deleted. This cannot be undone."),
    "pv_erase_done": ("已删除：{c} 个会话、{m} 条消息、{i} 张图片、{t} 个工单、{k} 个售后单。",
                      "Erased: {c} conversation(s), {m} message(s), {i} image(s), {t} ticket(s), "
                      "{k} after-sale case(s)."),
}
