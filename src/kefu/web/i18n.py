"""UI strings, Chinese first with an English switch (?lang=en, remembered in a cookie).

Templates read them as ``t["key"]``; the JS modules get the same dict as JSON (``data-strings`` on
<body>) and fill ``{name}`` placeholders. Each key is one line with both languages, so a new string
cannot ship untranslated; tests/web/test_pages.py checks every key used by templates and JS exists.
"""

from __future__ import annotations

from fastapi import Request

from kefu.web.audit_strings import AUDIT_STRINGS
from kefu.web.case_strings import CASE_STRINGS
from kefu.web.chat_strings import CHAT_STRINGS
from kefu.web.comp_strings import COMP_STRINGS
from kefu.web.complaint_strings import COMPLAINT_STRINGS
from kefu.web.desk_strings import DESK_STRINGS
from kefu.web.kb_strings import KB_STRINGS
from kefu.web.kit_strings import KIT_STRINGS
from kefu.web.ledger_strings import LEDGER_STRINGS
from kefu.web.media_strings import MEDIA_STRINGS
from kefu.web.notify_strings import NOTIFY_STRINGS
from kefu.web.ops_strings import OPS_STRINGS
from kefu.web.orders_strings import ORDERS_STRINGS
from kefu.web.privacy_strings import PRIVACY_STRINGS
from kefu.web.review_strings import REVIEW_STRINGS
from kefu.web.routing_strings import ROUTING_STRINGS
from kefu.web.shop_strings import SHOP_STRINGS
from kefu.web.ticket_strings import TICKET_STRINGS

LANGS = ("zh", "en")

_STRINGS: dict[str, tuple[str, str]] = {
    # --- app shell ---------------------------------------------------------------------------
    "app_name": ("kefu 客服", "kefu"),
    "language": ("语言", "Language"),
    "lang_zh": ("中文", "中文"),
    "lang_en": ("English", "English"),
    "nav_label": ("主导航", "Main navigation"),
    "nav_workspace": ("客服工作台", "Agent workspace"),
    "nav_supervisor": ("主管视图", "Supervisor view"),
    "nav_admin": ("客服管理", "Team admin"),
    "logout": ("退出登录", "Log out"),
    "loading": ("加载中…", "Loading…"),
    "cancel": ("取消", "Cancel"),
    "back": ("‹ 返回", "‹ Back"),
    "send": ("发送", "Send"),
    "copy_code": ("复制代码", "Copy code"),
    "copied": ("已复制 ✓", "Copied ✓"),
    "today": ("今天", "Today"),
    "enter_hint": ("Enter 发送，Shift+Enter 换行", "Enter to send, Shift+Enter for a new line"),
    "powered_by": ("由 kefu 开源客服提供支持", "Powered by kefu, open-source customer service"),
    # --- durations (JS) ----------------------------------------------------------------------
    "dur_s": ("{s}秒", "{s}s"),
    "dur_ms": ("{m}分{s}秒", "{m}m {s}s"),
    "dur_hm": ("{h}小时{m}分", "{h}h {m}m"),
    "dur_dh": ("{d}天{h}小时", "{d}d {h}h"),
    # --- errors ------------------------------------------------------------------------------
    "err_network": ("网络连接失败，请检查网络后重试", "Network error: check your connection and try again"),
    "err_generic": ("操作失败，请稍后重试", "Something went wrong, please try again"),
    "err_too_long": ("消息过长：最多 {max} 字，当前 {n} 字", "Message too long: at most {max} characters, got {n}"),
    # --- connection status -------------------------------------------------------------------
    "conn_connecting": ("连接中…", "Connecting…"),
    "conn_online": ("实时连接正常", "Live"),
    "conn_offline": ("连接已断开，正在重连…", "Offline, reconnecting…"),
    # --- index -------------------------------------------------------------------------------
    "index_tagline": ("开源电商客服系统", "open-source customer service for online shops"),
    "index_title": ("kefu 客服：为网店打造的开源在线客服", "kefu: open-source live chat for online shops"),
    "index_lead": ("买家在商品页一键咨询，客服在工作台实时接待，主管随时掌握排队与负载。",
                   "Buyers ask from the product page, agents answer live from the workspace, "
                   "supervisors watch the queue and the team's load."),
    "index_shops": ("店铺演示页", "Demo shop pages"),
    "index_shops_help": ("以买家身份打开商品页，点击右下角“联系客服”。",
                         "Open a product page as a buyer and click “Chat with us” at the bottom right."),
    "index_no_shops": ("还没有店铺。运行下面的命令加载演示店铺：", "No shops yet. Load the demo shop with:"),
    "index_staff": ("客服团队入口", "For the service team"),
    "index_workspace_help": ("接待买家、回复消息、添加内部备注", "Answer buyers, reply, add private notes"),
    "index_supervisor_help": ("实时会话、排队时长、客服负载与转接",
                              "Live chats, waiting times, team load, reassigning"),
    "index_admin_help": ("添加客服账号，设置角色、分组和接待上限", "Add agents; set roles, groups and chat limits"),
    # --- login / forbidden -------------------------------------------------------------------
    "login_title": ("客服登录", "Agent login"),
    "login_intro": ("登录后进入客服工作台。", "Log in to open the agent workspace."),
    "username": ("登录名", "Username"),
    "password": ("密码", "Password"),
    "login_button": ("登录", "Log in"),
    "login_help": ("忘记密码请联系店铺管理员。", "Forgot your password? Ask your shop admin."),
    "forbidden_title": ("没有访问权限", "Access denied"),
    "forbidden_body": ("您的角色无权查看此页面。如需开通，请联系店铺管理员。",
                       "Your role may not open this page. Ask your shop admin for access."),
    "back_to_workspace": ("返回客服工作台", "Back to the workspace"),
    # --- roles, groups, presence, statuses ---------------------------------------------------
    "role": ("角色", "Role"),
    "role_agent": ("客服", "Agent"),
    "role_senior": ("资深客服", "Senior agent"),
    "role_emotion_support": ("情绪安抚专员", "Emotional support"),
    "role_supervisor": ("主管", "Supervisor"),
    "role_trainer": ("培训师", "Trainer"),
    "role_admin": ("管理员", "Admin"),
    "group": ("分组", "Group"),
    "group_售前": ("售前", "Pre-sales"),
    "group_售后": ("售后", "After-sales"),
    "group_投诉": ("投诉", "Complaints"),
    "presence_label": ("在线状态", "Status"),
    "presence_online": ("在线", "Online"),
    "presence_away": ("离开", "Away"),
    "presence_break": ("小休", "On break"),
    "presence_offline": ("离线", "Offline"),
    "presence_changed": ("状态已切换为：{p}", "Status changed to {p}"),
    "presence_silent": ("您有一段时间没有动静，状态已自动切换为“离开”，不再分配新会话。回来后请切回“在线”。",
                        "No sign of you for a while, so your status was set to Away and no new chats come in. "
                        "Switch back to Online when you are back."),
    "status": ("状态", "Status"),
    "status_waiting": ("待接入", "Waiting"),
    "status_assigned": ("接待中", "In progress"),
    "status_closed": ("已结束", "Closed"),
    "intent": ("咨询意图", "Intent"),
    "intent_presale": ("售前咨询", "Pre-sales question"),
    "intent_logistics": ("物流查询", "Shipping"),
    "wants_human": ("要求人工", "Asks for a human"),
    "buyer_lang_en": ("英文", "English"),
    "buyer_lang_en_help": ("买家使用英文窗口，自动问候和智能助手用英文回复",
                           "The buyer uses the English widget: the automatic greeting and FAQ bot reply in English"),
    "intent_order_change": ("修改订单", "Order change"),
    "intent_cancel": ("取消订单", "Cancel order"),
    "intent_return": ("退货", "Return"),
    "intent_exchange": ("换货", "Exchange"),
    "intent_refund": ("退款", "Refund"),
    "intent_repair": ("维修", "Repair"),
    "intent_quality": ("质量问题", "Quality issue"),
    "intent_wrong_item": ("发错货", "Wrong item"),
    "intent_price": ("价格优惠", "Price & discounts"),
    "intent_invoice": ("发票", "Invoice"),
    "intent_payment": ("支付问题", "Payment"),
    "intent_complaint": ("投诉", "Complaint"),
    "intent_other": ("其他", "Other"),
    "emotion": ("情绪", "Mood"),
    "emotion_angry": ("情绪激动", "Angry"),
    "emotion_negative": ("不满", "Unhappy"),
    "emotion_calm": ("平静", "Calm"),
    "emotion_abusive": ("含辱骂", "Abusive"),
    "anger_level": ("怒气 {n}%", "anger {n}%"),
    "sender_bot": ("机器人", "Bot"),
    "sender_system": ("系统", "System"),
    "channel": ("来源", "Channel"),
    "channel_widget": ("网页咨询窗口", "Web chat widget"),
    # --- workspace ---------------------------------------------------------------------------
    "workspace_title": ("客服工作台", "Agent workspace"),
    "conversations": ("会话列表", "Conversations"),
    "conversation": ("会话", "Conversation"),
    "tab_waiting": ("待接入", "Waiting"),
    "tab_mine": ("我的", "Mine"),
    "tab_open": ("全部进行中", "All open"),
    "tab_closed": ("已结束", "Closed"),
    "empty_waiting": ("暂无排队的买家", "Nobody is waiting"),
    "empty_mine": ("您还没有接待中的会话", "You have no open conversations"),
    "empty_open": ("暂无进行中的会话", "No open conversations"),
    "empty_closed": ("暂无已结束的会话", "No closed conversations"),
    "search_placeholder": ("搜索买家或消息", "Search buyers or messages"),
    "chat_empty_title": ("选择一个会话开始接待", "Pick a conversation to start"),
    "chat_empty_body": ("新买家会出现在“待接入”，点击即可查看并回复。",
                        "New buyers appear under “Waiting”; click one to read and reply."),
    "buyer_generic": ("买家", "Buyer"),
    "agent_generic": ("客服", "Agent"),
    "no_messages": ("暂无消息", "No messages yet"),
    "waiting_for": ("已等待 {d}", "waiting {d}"),
    "assigned_to_me": ("我接待中", "With me"),
    "served_by": ("{name} 接待中", "With {name}"),
    "buyer_typing": ("买家正在输入…", "Buyer is typing…"),
    "buyer_typing_short": ("正在输入…", "typing…"),
    "take": ("接入", "Take"),
    "close": ("结束会话", "Close"),
    "reopen": ("重新打开", "Reopen"),
    "new_waiting": ("有新买家在排队", "A new buyer is waiting"),
    "note_tag": ("内部备注 · 买家不可见", "Private note · hidden from buyer"),
    "private_note": ("内部备注", "Private note"),
    "note_placeholder": ("写一条内部备注，仅客服团队可见…", "Write a private note only the team can see…"),
    "reply_placeholder": ("输入回复，Enter 发送；输入 / 加关键词调用话术…",
                          "Type a reply, Enter to send; / and a keyword for a template…"),
    "add_note": ("添加备注", "Add note"),
    "colleague_hint": ("同事正在接待这位买家：您可以添加内部备注，需要接手请让对方或主管转接",
                       "A colleague serves this buyer: add a private note, or ask them or a supervisor to transfer "
                       "it to you"),
    "closed_hint": ("会话已结束，重新打开后才能回复买家（仍可添加内部备注）",
                    "Closed: reopen to reply (private notes still work)"),
    "conversation_ended_at": ("会话已于 {time} 结束", "Conversation closed at {time}"),
    "msg_sending": ("发送中…", "Sending…"),
    "msg_sent": ("已送达", "Delivered"),
    "msg_read": ("已读", "Read"),
    "msg_unread": ("未读", "Unread"),
    "msg_retry": ("重试", "Retry"),
    "quick_replies": ("常用语", "Quick replies"),
    # --- workspace: breaks, handoffs, escalation offers ----------------------------------------
    "break_take": ("小休 10 分钟", "10-min break"),
    "break_help": ("受保护的小休：10 分钟内不会分配新会话，到时自动恢复在线",
                   "A protected break: no new chats for 10 minutes, then back online by itself"),
    "break_left": ("小休中 · 还剩 {t}", "On break · {t} left"),
    "break_started": ("已开始 10 分钟小休，期间不会分配新会话", "Break started: no new chats for 10 minutes"),
    "handoff_actions": ("转接与升级", "Hand over"),
    "handoff_transfer": ("转接", "Transfer"),
    "handoff_escalate": ("升级", "Escalate"),
    "handoff_abuse": ("转情绪安抚", "To emotional support"),
    "handoff_transfer_title": ("转接“{name}”", "Transfer “{name}”"),
    "handoff_transfer_hint": ("转给同事立即生效；转给分组则回到该组队列由系统分配。接收人会先看到自动生成的交接摘要。",
                              "A colleague gets it at once; a group puts it back in that group's queue. The "
                              "receiver first sees a context summary written for them."),
    "handoff_escalate_title": ("升级“{name}”", "Escalate “{name}”"),
    "handoff_escalate_hint": ("交给资深客服或主管处理。对方需在 1 分钟内接受，否则转给下一位并提醒主管。",
                              "A senior or a supervisor takes over. They have a minute to accept; then it moves "
                              "on and the supervisor is alerted."),
    "handoff_abuse_title": ("将“{name}”转给情绪安抚专员", "Hand “{name}” to emotional support"),
    "handoff_abuse_hint": ("买家有辱骂言语时使用：会话转给情绪安抚专员，您将获得 10 分钟受保护的小休。",
                           "For abusive buyers: an emotional-support agent takes over and you get a protected "
                           "10-minute break."),
    "handoff_transfer_submit": ("确认转接", "Transfer"),
    "handoff_escalate_submit": ("确认升级", "Escalate"),
    "handoff_abuse_submit": ("确认转交", "Hand over"),
    "handoff_note": ("备注（可选，写入交接摘要）", "Note (optional, goes into the summary)"),
    "handoff_note_placeholder": ("例如：买家要求的补偿超出我的权限",
                                 "e.g. the buyer wants compensation beyond my authority"),
    "handoff_to_group": ("转给分组", "To a group"),
    "handoff_to_group_sub": ("回到该组队列", "back to its queue"),
    "handoff_to_agent": ("转给同事", "To a colleague"),
    "handoff_no_colleagues": ("暂无其他同事", "No other colleagues"),
    "handoff_team_unavailable": ("暂时无法获取同事列表，可先转给分组",
                                 "The team list is unavailable: transfer to a group"),
    "handoff_pick_target": ("请选择转接给谁", "Pick who takes it"),
    "transferred_ok": ("已转接", "Transferred"),
    "escalated_ok": ("已升级，等待资深客服接受", "Escalated: waiting for a senior to accept"),
    "abuse_flagged_ok": ("已转给情绪安抚专员", "Handed to emotional support"),
    "offer_title": ("升级请求：{name}", "Escalation: {name}"),
    "offer_left": ("{d} 内接受", "accept within {d}"),
    "offer_overdue": ("已超时，即将转给下一位", "Overdue: moving on"),
    "offer_view": ("查看", "View"),
    "offer_accept": ("接受", "Accept"),
    "offer_accepted": ("已接受，会话已转给您", "Accepted: the conversation is yours"),
    "offer_toast": ("有一条升级请求等您接受", "An escalation is waiting for you"),
    "context_card": ("交接摘要", "Handoff summary"),
    "context_card_tag": ("仅客服可见", "team only"),
    "alert_escalation_not_accepted": ("{agent} 未在 1 分钟内接受 {buyer} 的升级，已转给下一位",
                                      "{agent} did not accept {buyer}'s escalation in a minute: offered to the next"),
    "alert_escalation_no_receiver": ("{buyer} 的升级暂无在线的资深客服或主管可接",
                                     "No senior or supervisor is free to take {buyer}'s escalation"),
    "alert_no_emotion_support": ("{buyer} 需要情绪安抚，但没有空闲的安抚专员，已转入投诉队列",
                                 "{buyer} needs emotional support but no specialist is free: queued to Complaints"),
    "alert_generic": ("主管提醒：{kind}", "Alert: {kind}"),
    # --- buyer sidebar -----------------------------------------------------------------------
    "buyer_info": ("买家信息", "Buyer info"),
    "side_empty": ("打开会话后在这里查看买家资料和历史咨询。",
                   "Open a conversation to see the buyer's profile and past chats."),
    "phone": ("手机号", "Phone"),
    "phone_unknown": ("未绑定", "Not linked"),
    "customer_id": ("买家编号", "Buyer ID"),
    "customer_since": ("首次来访", "First visit"),
    "tags": ("标签", "Tags"),
    "no_tags": ("暂无标签", "No tags"),
    "vip_member": ("VIP {n} 级会员", "VIP level {n}"),
    "vip_none": ("普通买家", "Regular buyer"),
    "this_conversation": ("本次会话", "This conversation"),
    "conversation_no": ("会话编号", "Conversation"),
    "started_at": ("开始时间", "Started"),
    "first_response": ("首次响应", "First response"),
    "past_conversations": ("历史会话（{n}）", "Conversations ({n})"),
    # --- supervisor --------------------------------------------------------------------------
    "supervisor_title": ("主管视图", "Supervisor view"),
    "supervisor_intro": ("实时查看排队、接待中的会话和客服负载，必要时转接。",
                         "Watch the queue, open conversations and the team's load; reassign when needed."),
    "stat_waiting": ("排队中", "Waiting"),
    "stat_serving": ("接待中", "In progress"),
    "stat_online": ("在线客服", "Agents online"),
    "stat_longest_wait": ("最长等待", "Longest wait"),
    "live_conversations": ("实时会话", "Live conversations"),
    "team_status": ("客服状态与负载", "Team status and load"),
    "show": ("显示", "Show"),
    "filter_all": ("全部", "All"),
    "col_buyer": ("买家", "Buyer"),
    "col_status": ("状态", "Status"),
    "col_time": ("等待 / 时长", "Waiting / age"),
    "col_assignee": ("接待客服", "Agent"),
    "col_last_message": ("最新消息", "Last message"),
    "col_unread": ("未读", "Unread"),
    "col_load": ("接待中 / 上限", "Chats / max"),
    "col_actions": ("操作", "Actions"),
    "sv_empty": ("当前没有进行中的会话", "No open conversations right now"),
    "assign": ("分配", "Assign"),
    "reassign": ("转接", "Reassign"),
    "assign_title": ("将“{name}”转接给…", "Hand “{name}” to…"),
    "assign_hint": ("选择一位客服。分配给不在线的客服时，买家若在宽限时间内无人回复，会自动回到排队。",
                    "Pick an agent. If you pick one who is not online and nobody answers the buyer within the "
                    "grace period, the chat goes back to the queue."),
    "current_assignee": ("当前接待", "Current"),
    "assigned_ok": ("已转接给 {name}", "Reassigned to {name}"),
    "load_of": ("接待 {n}/{max}", "{n}/{max} chats"),
    "routing_queue": ("排队队列 · 按优先级", "Queue · by priority"),
    "queue_help": ("从上往下依次接入；标签说明每位买家为何排在这里。",
                   "Served from the top; the tags say why each buyer is where they are."),
    "col_position": ("顺位", "Pos."),
    "col_reasons": ("排队原因", "Why here"),
    "col_waited": ("已等待", "Waited"),
    "col_eta": ("预计等待", "ETA"),
    "reason_waited": ("已等 {d}", "waited {d}"),
    "reason_angry": ("情绪激动 {n}%", "angry {n}%"),
    "reason_vip": ("VIP{n}", "VIP{n}"),
    "reason_complaint": ("投诉", "complaint"),
    "reason_escalated": ("已升级", "escalated"),
    "reason_abusive": ("辱骂", "abusive"),
    "queue_empty": ("没有排队的买家", "Nobody is waiting"),
    "take_over": ("接管", "Take over"),
    "taken_over_ok": ("已由您接管", "You took it over"),
    "stat_greeting": ("15 秒内问候率", "Greeted within 15 s"),
    "stat_greeting_sub": ("近 24 小时 {n}/{total}", "last 24 h: {n}/{total}"),
    "alerts_title": ("主管提醒", "Alerts"),
    "alerts_empty": ("暂无提醒", "No alerts"),
    "run_routing": ("立即分配", "Route now"),
    "routed_ok": ("已分配 {n} 位买家", "Buyers assigned: {n}"),
    "break_left_short": ("还剩 {t}", "{t} left"),
    # --- admin -------------------------------------------------------------------------------
    "admin_title": ("客服管理", "Team admin"),
    "admin_intro": ("管理本店的客服账号。新账号默认离线；客服登录后自动上线，主管、培训师和管理员登录后为离开，"
                    "需要接待时自己切换为在线。",
                    "Manage your shop's agents. New agents start offline. Agents go online when they log in; "
                    "supervisors, trainers and admins start away and set themselves online to take buyers."),
    "admin_team": ("客服团队", "Team"),
    "login_locked": ("登录已锁定", "Login locked"),
    "login_locked_help": ("连续输错密码，账号暂时锁定；解锁后可立即重新登录",
                          "Too many wrong passwords: the account waits. Unlock it to let them try again now"),
    "login_unlock": ("解锁", "Unlock"),
    "admin_new": ("添加客服", "Add an agent"),
    "admin_create": ("创建账号", "Create agent"),
    "admin_created": ("已创建客服账号：{name}", "Agent created: {name}"),
    "display_name": ("显示名称", "Display name"),
    "display_name_example": ("例如：小王", "e.g. Xiao Wang"),
    "username_help": ("小写字母、数字、点、横线或下划线，2 到 64 位", "2-64 lowercase letters, digits, . - _"),
    "password_help": ("至少 8 位", "At least 8 characters"),
    "skills": ("技能标签", "Skills"),
    "skills_example": ("服装, 尺码, 退换货", "sizing, returns"),
    "max_chats": ("同时接待上限", "Max chats"),
    # --- buyer widget ------------------------------------------------------------------------
    "widget_title": ("在线客服", "Customer service"),
    "widget_minimize": ("收起窗口", "Minimize"),
    "widget_greeting_sub": ("在线客服 · 通常几分钟内回复", "Usually replies within minutes"),
    "widget_waiting": ("正在为您安排客服，请稍候…", "Finding an agent for you…"),
    "widget_served_by": ("客服 {name} 为您服务", "{name} is helping you"),
    "widget_closed_sub": ("本次会话已结束", "This conversation has ended"),
    "widget_closed_notice": ("本次会话已结束。如有新的问题，直接发送消息即可开始新的咨询。",
                             "This conversation has ended. Send a message to start a new one."),
    "widget_welcome": ("您好，欢迎光临{shop}！请问有什么可以帮您？", "Hi, welcome to {shop}! How can we help?"),
    "widget_placeholder": ("请输入您的问题…", "Type your question…"),
    "widget_agent_label": ("客服 {name}", "{name}"),
    "widget_agent_typing": ("客服正在输入…", "The agent is typing…"),
    "widget_bot_label": ("智能助手", "Assistant"),
    "widget_new_conversation": ("新的咨询", "New conversation"),
    "widget_queue_place": ("第 {n} 位", "#{n} in line"),
    "widget_queue_ahead": ("您前面还有 {n} 位", "{n} ahead of you"),
    "widget_queue_next": ("下一位就是您", "You're next"),
    "widget_queue_eta": ("预计约 {m} 分钟", "about {m} min"),
    "widget_queue_eta_soon": ("预计不到 1 分钟", "under a minute"),
}

_MORE = (SHOP_STRINGS | KB_STRINGS | ROUTING_STRINGS | CHAT_STRINGS | MEDIA_STRINGS | DESK_STRINGS | KIT_STRINGS
         | OPS_STRINGS | TICKET_STRINGS | REVIEW_STRINGS | LEDGER_STRINGS | NOTIFY_STRINGS
         | ORDERS_STRINGS | CASE_STRINGS | COMP_STRINGS | COMPLAINT_STRINGS | AUDIT_STRINGS
         | PRIVACY_STRINGS)
ZH: dict[str, str] = {key: zh for key, (zh, _en) in _STRINGS.items()} | {k: v[0] for k, v in _MORE.items()}
EN: dict[str, str] = {key: en for key, (_zh, en) in _STRINGS.items()} | {k: v[1] for k, v in _MORE.items()}


def pick_lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("kefu_lang") or "zh"
    return lang if lang in LANGS else "zh"


def strings(lang: str) -> dict[str, str]:
    base = dict(ZH)
    if lang == "en":
        base.update(EN)
    return base
