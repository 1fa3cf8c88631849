from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.core.errors import BadInput, Conflict, NotFound
from kefu.shops.models import Shop

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


async def create_shop(session: AsyncSession, slug: str, name: str) -> Shop:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise BadInput("店铺标识只能用小写字母、数字和横线", "Shop slug: lowercase letters, digits, dashes",
                       code="bad_slug")
    if await session.scalar(select(Shop.id).where(Shop.slug == slug)):
        raise Conflict("店铺标识已存在", "Shop slug already exists", code="shop_exists")
    shop = Shop(slug=slug, name=name.strip() or slug)
    session.add(shop)
    await session.flush()
    return shop


async def get_shop_by_slug(session: AsyncSession, slug: str) -> Shop:
    shop = await session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise NotFound("店铺不存在", "Shop not found", code="shop_not_found")
    return shop
