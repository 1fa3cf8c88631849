"""UI strings of a new shop's page and starter kit (zh, en; see i18n.py)."""

from __future__ import annotations

KIT_STRINGS: dict[str, tuple[str, str]] = {
    "kit_page_title": ("{shop} · 在线客服", "{shop} · Customer service"),
    "kit_subtitle": ("在线客服", "Customer service"),
    "kit_home": ("kefu 首页", "kefu home"),
    "kit_intro": ("这里是{shop}的客服聊天页。商品、订单、物流、退换货、发票等问题，点下面的按钮或右下角的"
                  "“联系客服”就能和我们聊，我们会尽快为您解答。",
                  "This is {shop}'s customer-service chat page. Questions about products, orders, delivery, returns "
                  "or invoices? Press the button below or “Chat with us” at the bottom right and we will help you "
                  "as soon as we can."),
    "kit_chat_now": ("联系客服", "Chat with us"),
    "kit_topics": ("常见问题", "Common questions"),
    "kit_topic_delivery": ("发货和物流", "Delivery and tracking"),
    "kit_topic_returns": ("退货和换货", "Returns and exchanges"),
    "kit_topic_refunds": ("退款进度", "Refunds"),
    "kit_topic_invoices": ("开发票", "Invoices"),
    "kit_owner_title": ("店主：把客服接入您网店的页面", "Shop owners: put this chat on your shop's pages"),
    "kit_step_workspace": ("在客服工作台登录，接待买家", "Log in to the agent workspace to serve buyers"),
    "kit_step_kb": ("在知识库里修改常见问题和话术（标签“待核对”的先改）",
                    "Edit the FAQ articles and reply templates in the knowledge base (those tagged 待核对 first)"),
    "kit_step_team": ("添加客服账号", "Add your service team"),
    "kit_footer": ("{shop} · 在线客服由 kefu 提供", "{shop} · customer service by kefu"),
}
