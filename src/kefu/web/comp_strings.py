"""UI strings of compensation within authority (the case panel's offers, the supervisor's approvals, the admin's limits)
(zh, en; see i18n.py)."""

from __future__ import annotations

COMP_STRINGS: dict[str, tuple[str, str]] = {
    "comp_admin_tab": ("补偿权限", "Compensation limits"),
}
