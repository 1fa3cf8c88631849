"""The demo shop. Idempotent: running it twice leaves one demo shop."""

from __future__ import annotations

from sqlalchemy import select

from kefu.agents.service import create_agent
from kefu.core.db import Database
from kefu.shops.models import Shop
from kefu.shops.service import create_shop

DEMO_SLUG = "demo"
DEMO_PASSWORD = "kefu-demo-2026"

AGENTS = [
    ("admin", "店长", "admin", "售前", ""),
    ("zhuguan", "王主管", "supervisor", "售后", ""),
    ("xiaoli", "小李", "agent", "售前", "服装,尺码"),
]


async def load_demo(db: Database) -> list[tuple[str, str, str, str]]:
    async with db.transaction() as s:
        shop = await s.scalar(select(Shop).where(Shop.slug == DEMO_SLUG))
        if shop is None:
            shop = await create_shop(s, DEMO_SLUG, "小鹿优选旗舰店")
            for username, name, role, group, skills in AGENTS:
                await create_agent(s, shop.id, username=username, password=DEMO_PASSWORD, display_name=name,
                                   role=role, group=group, skills=skills)
    return [(u, n, r, g) for u, n, r, g, _ in AGENTS]
