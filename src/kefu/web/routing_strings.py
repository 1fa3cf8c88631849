"""UI strings of routing, presence, transfers and the queue (zh, en; see i18n.py)."""

from __future__ import annotations

ROUTING_STRINGS: dict[str, tuple[str, str]] = {
    # --- the buyer's place when nobody online can serve them (widget-queue.js) ---------------------
    "widget_queue_no_agent": ("当前暂无在线客服，您可以先留言，客服上线后会第一时间回复您",
                              "No agent is online right now. Leave us a message and we'll reply as soon as "
                              "an agent is back."),
    # --- presence: breaks that always end, the supervisor's own status (presence.js) -----------------
    "break_on": ("小休中", "On break"),
    "break_ending": ("小休中 · 即将结束", "On break · ending now"),
    "break_ending_short": ("即将结束", "ending now"),
    "presence_watch_help": ("“在线”时系统会为您分配买家；只查看时请保持“离开”。",
                            "Online: buyers are routed to you. Stay Away to only watch."),
    # --- chats moved back to the queue while the agent was away (moved-notice.js) ---------------------
    "moved_notice": ("{n} 个会话因您离开已转回排队", "Chats moved back to the queue while you were away: {n}"),
    "moved_notice_ok": ("知道了", "Got it"),
    # --- supervisor alerts and queue (supervisor.js, sv-queue.js) -----------------------------------
    "alert_chats_requeued": ("{agent} 不在线，其未回复的会话已转回排队（保留原等待时长）",
                             "{agent} is away: their unanswered chats went back to the queue (waiting time kept)"),
    "alert_count": ("{n} 个会话", "chats: {n}"),
    "alert_unstaffed_售前": ("售前组暂无可接待的在线客服，{buyer} 等买家正在等待",
                           "Nobody online can serve Pre-sales: {buyer} and others are waiting"),
    "alert_unstaffed_售后": ("售后组暂无可接待的在线客服，{buyer} 等买家正在等待",
                           "Nobody online can serve After-sales: {buyer} and others are waiting"),
    "alert_unstaffed_投诉": ("投诉组暂无可接待的在线客服，{buyer} 等买家正在等待",
                           "Nobody online can serve Complaints: {buyer} and others are waiting"),
    "alert_unstaffed_emotion_support": ("暂无在线的情绪安抚专员，{buyer} 等买家正在等待",
                                        "No emotional-support agent is online: {buyer} and others are waiting"),
    "queue_no_agent": ("无人可接", "nobody online"),
    "queue_eta_next": ("下一位接入", "next up"),  # first in a line someone online serves (it showed "—")
    "queue_no_agent_help": ("没有在线且能接待该买家的客服", "No agent online can serve this buyer"),
}
