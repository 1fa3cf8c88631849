"""UI strings of orders (the workspace's 订单 tab, order cards, identity check, 催付, the admin's connector settings)
(zh, en; see i18n.py)."""

from __future__ import annotations

ORDERS_STRINGS: dict[str, tuple[str, str]] = {
    "orders_tab": ("订单", "Orders"),
    "orders_admin_tab": ("订单对接", "Orders"),
}
