"""Which shop is the demo: `kefu demo` always loads its shop under DEMO_SLUG, and `kefu shop add` refuses
that slug, so the slug alone tells the demo shop (with its made-up product page) from a real one."""

from __future__ import annotations

DEMO_SLUG = "demo"


def is_demo(slug: str) -> bool:
    return slug == DEMO_SLUG


def page_template(slug: str) -> str:
    """/shop/SLUG: the demo's product page, or a real shop's own neutral chat page."""
    return "shop.html" if is_demo(slug) else "shop_chat.html"
