"""Which shop is the demo: `kefu demo` always loads its shop under DEMO_SLUG, and `kefu shop add` refuses
that slug, so the slug alone tells the demo shop (with its made-up product page) from a real one."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from kefu.core.errors import BadInput

DEMO_SLUG = "demo"


def is_demo(slug: str) -> bool:
    return slug == DEMO_SLUG


def page_template(slug: str) -> str:
    """/shop/SLUG: the demo's product page, or a real shop's own neutral chat page."""
    return "shop.html" if is_demo(slug) else "shop_chat.html"


MAX_ORIGINS = 20
_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def check_origins(text: str) -> list[str]:
    """The sites allowed to embed the widget, one per line ("https://shop.example.com", "https://*.example.com",
    a port if not the default): scheme and host only, lower-cased, without repeats. Anything else is refused,
    naming the line — a typo would otherwise hide the widget on the shop's own site."""
    out: list[str] = []
    for n, line in enumerate((text or "").splitlines(), 1):
        raw = line.strip().lower().rstrip("/")
        if not raw:
            continue
        parts = urlsplit(raw)
        try:
            port = parts.port
        except ValueError:
            port = -1
        host = (parts.hostname or "") if parts.netloc and "@" not in parts.netloc else ""
        if parts.scheme not in ("https", "http") or not _HOST.match(host) or port == -1 or parts.path or \
                parts.query or parts.fragment or len(raw) > 200:
            raise BadInput(f"第 {n} 行不是有效的网站地址（例如 https://shop.example.com）：{line.strip()[:80]}",
                           f"Line {n} is not a site address (like https://shop.example.com): {line.strip()[:80]}",
                           code="bad_embed_origin", extra={"line": n})
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
        if origin not in out:
            out.append(origin)
    if len(out) > MAX_ORIGINS:
        raise BadInput(f"最多 {MAX_ORIGINS} 个网站", f"At most {MAX_ORIGINS} sites", code="too_many_origins")
    return out
