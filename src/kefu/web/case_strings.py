"""UI strings of after-sale cases (the workspace's 售后 tab, case cards, the admin's policy page, the widget's view)
(zh, en; see i18n.py)."""

from __future__ import annotations

CASE_STRINGS: dict[str, tuple[str, str]] = {
    "cases_tab": ("售后", "After-sales"),
    "cases_admin_tab": ("售后政策", "After-sale policy"),
}
