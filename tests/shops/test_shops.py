from __future__ import annotations

import pytest

from kefu.core.errors import BadInput, Conflict
from kefu.shops.service import create_shop


def test_shop_slug_rules_and_uniqueness(world):
    async def make(slug):
        async with world.db.transaction() as s:
            return await create_shop(s, slug, "店")

    shop = world.run(make, "Unique-Slug-42")
    assert shop.slug == "unique-slug-42"
    with pytest.raises(Conflict):
        world.run(make, "unique-slug-42")
    for bad in ("", "a", "有中文", "bad slug", "-x"):
        with pytest.raises(BadInput):
            world.run(make, bad)
