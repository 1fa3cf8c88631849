"""Knowledge fixtures: the /api/kb routes on the session app, and one small shop KB shared by a module."""

from __future__ import annotations

import pytest

from kefu.knowledge.demo_kb import ARTICLES
from kefu.knowledge.prepared import answer_html

# A slice of the demo KB: the refund-policy article, its neighbours and a few decoys.
KB_TITLES = ("退款政策是什么", "退款多久到账", "退货运费谁出", "换货运费谁出", "怎么查物流", "怎么开发票",
             "七天无理由退货怎么申请", "商品保修多久", "买完就降价了能补差价吗", "衣服尺码怎么选")


def article_body(title: str) -> dict:
    intent, category, title, variants, answer, tags = next(a for a in ARTICLES if a[2] == title)
    return {"title": title, "variants": variants.split("|"), "answer": answer_html(answer), "category": category,
            "intent": intent, "tags": tags.split(",")}


@pytest.fixture(scope="module")
def kb(client):
    """A shop with a trainer, an agent and ten articles, built once per module."""
    from tests.conftest import World

    world = World(client)
    shop = world.shop("知识库测试店")
    trainer = world.agent(shop, role="trainer", name="赵老师")
    agent = world.agent(shop, role="agent", name="小李")
    ids = {}
    for title in KB_TITLES:
        r = trainer.post("/api/kb/articles", article_body(title))
        assert r.status_code == 201, r.text
        ids[title] = r.json()["article"]["id"]
    return {"world": world, "shop": shop, "trainer": trainer, "agent": agent, "ids": ids}
