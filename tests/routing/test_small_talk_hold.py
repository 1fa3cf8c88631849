"""A buyer who opens with "在吗" / "你好" has not said what they want: routing waits a few seconds for the
question before choosing a group, so a complaint opened with a greeting is not routed to 售前 on the greeting
(issue 10 point 15: "an angry delivery chat … sat in 售前"; the walk: a broken-zip buyer who said 在吗 first went
to the 售前 agent while the 售后 agent sat idle)."""

from __future__ import annotations

from kefu.routing import rules
from tests.routing.test_service import conv_of, route

HOLD = rules.DEFAULT.undecided_hold_seconds


def test_a_greeting_waits_for_the_question_which_picks_the_group(world, frozen):
    shop = world.shop()
    world.agent(shop, group="售前", name="小周")
    aftersale = world.agent(shop, group="售后", name="阿杰")
    buyer = world.buyer(shop)
    conv = buyer.send("在吗").json()["conversation_id"]
    assert route(world, shop) == []  # nobody chosen on a greeting
    frozen.advance(seconds=3)
    buyer.send("收到的羽绒服拉链是坏的，230512123456这个是我的订单号")
    assert route(world, shop) == [(conv, aftersale.id)]
    assert conv_of(aftersale, conv)["conversation"]["group"] == "售后"


def test_a_buyer_who_only_says_hello_is_served_after_the_hold(world, frozen):
    shop = world.shop()
    presale = world.agent(shop, group="售前")
    conv = world.buyer(shop).send("你好").json()["conversation_id"]
    frozen.advance(seconds=HOLD - 1)
    assert route(world, shop) == []
    frozen.advance(seconds=1)
    assert route(world, shop) == [(conv, presale.id)]  # the default group, a few seconds later


def test_hello_then_talk_to_a_person_is_routed_at_once(world, frozen):
    shop = world.shop()
    presale = world.agent(shop, group="售前")
    buyer = world.buyer(shop)
    conv = buyer.send("你好").json()["conversation_id"]
    assert buyer.post("/api/widget/handoff", {"client_msg_id": "h-1"}).status_code == 201
    assert route(world, shop) == [(conv, presale.id)]


def test_a_question_first_is_routed_at_once():
    w = rules.Waiting(1, rules_now(), "logistics", undecided=False)
    assert not rules.held_for_question(w, rules_now())
    hello = rules.Waiting(2, rules_now(), "other", undecided=True)
    assert rules.held_for_question(hello, rules_now())
    assert not rules.held_for_question(rules.Waiting(3, rules_now(), "other", undecided=True, pinned=True), rules_now())


def rules_now():
    from datetime import UTC, datetime

    return datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
