"""A new shop's starter kit: templates for the "/" picker and FAQ articles the bot answers buyers with."""

from __future__ import annotations

import pytest

from kefu.starter.articles import ARTICLES
from kefu.starter.service import install_starter_kit
from kefu.starter.templates import TEMPLATES


@pytest.fixture(scope="module")
def kit(client):
    """One shop with the starter kit (installed twice: the second time adds nothing) and an agent, built once:
    embedding the kit's 200-odd questions takes seconds."""
    from tests.conftest import World

    return _kit(World(client))


def _kit(world) -> dict:
    shop = world.shop("新开的小店")

    async def install():
        async with world.db.transaction() as s:
            return await install_starter_kit(s, shop.id)

    first, again = world.run(install), world.run(install)
    return {"world": world, "shop": shop, "agent": world.agent(shop, name="小美"), "first": first, "again": again}


def test_the_kit_is_complete_and_installs_once(kit):
    assert kit["first"] == {"articles": len(ARTICLES), "templates": len(TEMPLATES)}
    assert kit["again"] == {"articles": 0, "templates": 0}
    assert 30 <= len(ARTICLES) <= 40 and len({a[2] for a in ARTICLES}) == len(ARTICLES)
    assert len(TEMPLATES) >= 10 and len({t[1] for t in TEMPLATES}) == len(TEMPLATES)
    for *_, answer, _tags in ARTICLES:  # the bot answers buyers with these as they are
        assert "请填写" not in answer and "{" not in answer


@pytest.mark.parametrize(("question", "title"), [
    ("几天能到", "发货后几天能到"),
    ("怎么开发票", "如何申请发票"),
    ("七天无理由怎么退", "七天无理由退货怎么申请"),
    ("退货运费要我自己出吗", "退货的运费由谁承担"),
    ("发错货了，颜色不对", "收到的商品和订单不一样"),
])
def test_bot_answers_common_questions_from_the_starter_kit(kit, question, title):
    buyer = kit["world"].buyer(kit["shop"])
    buyer.send(question)
    last = buyer.get("/api/widget/conversation").json()["messages"][-1]
    assert last["sender"] == "bot" and last["bot"]["action"] == "answer", last
    assert last["text"] == next(a[4] for a in ARTICLES if a[2] == title)


def test_slash_picker_has_the_templates_and_fills_order_and_tracking_numbers(kit):
    agent = kit["agent"]
    shortcuts = {t["shortcut"] for t in agent.get("/api/kb/templates").json()["templates"]}
    assert shortcuts == {t[1] for t in TEMPLATES}
    shipped = agent.get("/api/kb/templates", params={"q": "fh"}).json()["templates"][0]
    assert shipped["title"] == "已发货"

    buyer = kit["world"].buyer(kit["shop"])
    conv = buyer.send("转人工，订单号 4012345678901234 发了吗，运单号 SF1234567890123").json()["conversation_id"]
    assert agent.post(f"/api/conversations/{conv}/take").status_code == 200
    r = agent.post(f"/api/kb/templates/{shipped['id']}/render", {"conversation_id": conv}).json()
    assert "4012345678901234" in r["text"] and "SF1234567890123" in r["text"] and r["missing"] == []
