"""UI strings of the deployment's health as staff see it: cross-instance delivery degraded (zh, en; see i18n.py)."""

from __future__ import annotations

OPS_STRINGS: dict[str, tuple[str, str]] = {
    # --- Redis down: the instances poll the event log instead (ops_parts.html, bus-banner.js) ------------
    "bus_degraded_title": ("实时同步降级", "Live sync degraded"),
    "bus_degraded_body": ("Redis 不可用，跨实例消息改为轮询，可能延迟几秒。接待不受影响，Redis 恢复后自动恢复实时。",
                          "Redis is unavailable, so messages between server instances are polled and may arrive "
                          "a few seconds late. Chats go on; live sync resumes by itself when Redis is back."),
}
