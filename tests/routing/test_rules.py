"""Routing policy, table-driven: queue order, group choice, agent choice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.routing import rules
from kefu.routing.rules import AgentState, Policy, Waiting

NOW = datetime(2026, 11, 11, 20, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize("intent,abusive,entry,group", [
    ("presale", False, None, "售前"), ("refund", False, None, "售后"), ("logistics", False, None, "售后"),
    ("complaint", False, None, "投诉"), (None, False, None, "售前"), ("refund", True, None, "投诉"),
    ("refund", False, "售前", "售前"),
])
def test_group_for(intent, abusive, entry, group):
    assert rules.group_for(intent, abusive, entry) == group


def test_angry_buyer_jumps_ahead_of_calm_buyers_who_waited_less_than_the_boost():
    calm_long = Waiting(1, ago(600), "logistics")
    calm_short = Waiting(2, ago(90), "logistics")
    angry_new = Waiting(3, ago(5), "logistics", anger=0.9)
    order = [r.conversation.id for r in rules.rank([calm_long, calm_short, angry_new], NOW)]
    assert order == [1, 3, 2]  # 600 s of waiting still beats 5 + 540; aging means nobody starves


def test_every_buyer_is_eventually_first():
    angry = [Waiting(i, ago(10), "refund", anger=1.0) for i in range(10, 20)]
    calm = Waiting(1, ago(10 + rules.DEFAULT.anger_boost + 1), "refund")
    assert rules.rank([*angry, calm], NOW)[0].conversation.id == 1


@pytest.mark.parametrize("w,reason", [
    (Waiting(1, ago(10), anger=0.8), "angry:0.80"), (Waiting(1, ago(10), abusive=True), "abusive"),
    (Waiting(1, ago(10), vip_level=2), "vip:2"), (Waiting(1, ago(10), intent="complaint"), "complaint"),
    (Waiting(1, ago(10), escalated=True), "escalated"), (Waiting(1, ago(10), anger=0.3), "waited:10"),
])
def test_reasons_explain_the_place_in_the_queue(w, reason):
    assert reason in rules.priority(w, NOW).reasons


def test_priority_order_of_boosts():
    vip = rules.priority(Waiting(1, ago(0), vip_level=3), NOW).priority
    angry = rules.priority(Waiting(2, ago(0), anger=1.0), NOW).priority
    escalated = rules.priority(Waiting(3, ago(0), escalated=True), NOW).priority
    assert 0 < vip < angry < escalated


def agent(id_, group="售后", load=0, max_chats=5, presence="online", role="agent", skills=(), idle=None):
    return AgentState(id_, group, role, frozenset(skills), presence, load, max_chats, idle)


def test_pick_prefers_previous_agent_within_three_days_then_skill_then_least_loaded():
    team = [agent(1, load=3), agent(2, load=1), agent(3, load=2, skills=["退款"]), agent(4, load=0, presence="away")]
    recent = Waiting(9, ago(5), "refund", previous_agent_id=1, previous_agent_at=NOW - timedelta(days=2))
    stale = Waiting(9, ago(5), "refund", previous_agent_id=1, previous_agent_at=NOW - timedelta(days=4))
    assert rules.pick_agent(recent, team, NOW).id == 1
    assert rules.pick_agent(stale, team, NOW).id == 3       # skill 退款 wins over lower load
    assert rules.pick_agent(Waiting(9, ago(5), "logistics"), team, NOW).id == 2  # least loaded


@pytest.mark.parametrize("team,expected", [
    ([agent(1, load=5)], None),                                     # full
    ([agent(1, presence="break")], None),                           # on a protected break
    ([agent(1, group="售前")], 1),                                   # wrong group, but nobody else: fallback
    ([agent(1, group="售前"), agent(2)], 2),                         # right group first
    ([agent(1, group="售前", role="trainer")], None),                # trainers are never a fallback
])
def test_pick_capacity_presence_and_group(team, expected):
    chosen = rules.pick_agent(Waiting(1, ago(5), "refund"), team, NOW)
    assert (chosen.id if chosen else None) == expected


def test_abusive_buyers_go_only_to_emotion_support():
    team = [agent(1, group="投诉"), agent(2, group="投诉", role="emotion_support", load=2)]
    assert rules.pick_agent(Waiting(1, ago(5), "complaint", abusive=True), team, NOW).id == 2
    assert rules.pick_agent(Waiting(1, ago(5), "complaint", abusive=True), team[:1], NOW) is None


def test_plan_fills_seats_in_priority_order_and_respects_capacity():
    waiting = [Waiting(1, ago(100), "refund"), Waiting(2, ago(20), "refund", anger=0.9),
               Waiting(3, ago(50), "refund")]
    team = [agent(1, max_chats=1, load=0), agent(2, max_chats=2, load=1)]
    assert rules.plan(waiting, team, NOW) == [(2, 1), (1, 2)]
    assert rules.plan(waiting, team, NOW, order="fifo") == [(1, 1), (3, 2)]


def test_estimated_wait():
    assert rules.estimated_wait(1, 4) == 0
    assert rules.estimated_wait(5, 4, 240) == 240
    assert rules.estimated_wait(3, 0, 100) == 300


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # Chinese characters and punctuation


@pytest.mark.parametrize("lang,position,eta,says", [
    ("zh", 3, 200, ("您好，欢迎光临小鹿！", "当前排队第 3 位", "预计等待约 3 分钟")),
    ("zh", 1, 0, ("当前排队第 1 位", "马上就轮到您")),
    ("zh", 2, 29, ("当前排队第 2 位", "马上就轮到您")),
    ("en", 3, 200, ("Hi, welcome to 小鹿!", "You're number 3 in the queue", "with you in about 3 min")),
    ("en", 1, 0, ("You're number 1 in the queue", "an agent will be with you shortly")),
    ("en", 2, 29, ("You're number 2 in the queue", "with you shortly")),
    (None, 4, 600, ("当前排队第 4 位", "预计等待约 10 分钟")),        # no language given: Chinese
    ("fr", 1, 0, ("您好，欢迎光临小鹿！",)),                          # unknown language: Chinese
])
def test_greeting_tells_position_and_wait_in_the_buyers_language(lang, position, eta, says):
    text = rules.greeting_text("小鹿", position, eta, *([lang] if lang else []))
    assert all(part in text for part in says), text
    if lang == "en":
        assert not CJK.search(text.replace("小鹿", "")), text  # nothing Chinese but the shop's name


@pytest.mark.parametrize("lang,says", [("zh", "客服小李为您服务"), ("en", "小李 is now helping you."),
                                       (None, "客服小李为您服务")])
def test_assigned_line_in_the_buyers_language(lang, says):
    assert rules.assigned_text("小李", *([lang] if lang else [])) == says


def test_every_buyer_line_exists_in_both_languages():
    assert rules.BUYER_TEXT["zh"].keys() == rules.BUYER_TEXT["en"].keys()


def test_routing_queue_head_matches_rank_and_follows_changes():
    waiting = [Waiting(i, ago(10 * i), "refund", anger=0.9 if i % 7 == 0 else 0.0, vip_level=i % 3)
               for i in range(1, 30)]
    q = rules.RoutingQueue(waiting)
    assert q.head().id == rules.rank(waiting, NOW)[0].conversation.id and len(q) == 29
    calm = Waiting(2, ago(20), "refund")
    q.put(Waiting(2, ago(20), "refund", escalated=True))   # escalated: now first
    assert q.head().id == 2
    q.remove(2)
    rest = [w for w in waiting if w.id != calm.id]
    assert q.head().id == rules.rank(rest, NOW)[0].conversation.id and len(q) == 28


# Queues with their serving order (rank()); rules.place() must give every buyer the same place without sorting.
PLACE_QUEUES = {
    "calm, angry, vip": ([Waiting(1, ago(600), "logistics"), Waiting(2, ago(90), "logistics"),
                          Waiting(3, ago(5), "logistics", anger=0.9), Waiting(4, ago(60), vip_level=2)], [1, 3, 4, 2]),
    "same arrival, same boost: lower id first": ([Waiting(3, ago(60)), Waiting(1, ago(60)), Waiting(2, ago(60))],
                                                 [1, 2, 3]),
    "same priority: earlier arrival first": ([Waiting(1, ago(30), vip_level=1), Waiting(2, ago(60))], [2, 1]),
    "arrivals ahead of the clock wait 0 s": ([Waiting(1, NOW + timedelta(seconds=5)), Waiting(2, ago(0)),
                                              Waiting(3, NOW + timedelta(seconds=1))], [2, 3, 1]),
    "escalated, abusive, complaint": ([Waiting(1, ago(10), "complaint"), Waiting(2, ago(10), abusive=True),
                                       Waiting(3, ago(10), escalated=True), Waiting(4, ago(100))], [3, 2, 4, 1]),
    "one buyer": ([Waiting(7, ago(3))], [7]),
}


@pytest.mark.parametrize("waiting,order", PLACE_QUEUES.values(), ids=PLACE_QUEUES.keys())
def test_place_of_one_buyer_agrees_with_rank(waiting, order):
    assert [r.conversation.id for r in rules.rank(waiting, NOW)] == order
    assert {w.id: rules.place(w, waiting, NOW) for w in waiting} == {c: i for i, c in enumerate(order, start=1)}


WAITING = st.builds(
    lambda i, since, anger, abusive, vip, intent, escalated: Waiting(i, ago(since), intent, anger, abusive, vip,
                                                                      escalated=escalated),
    st.integers(1, 10_000), st.sampled_from([-5, 0, 0.5, 1, 30, 59.9, 60, 300, 900]),
    st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]), st.booleans(), st.integers(0, 3),
    st.sampled_from([None, "refund", "complaint"]), st.booleans())
POLICIES = st.sampled_from([rules.DEFAULT, Policy(anger_boost=240), Policy(vip_boost=0.1, complaint_boost=0.2)])


@given(st.lists(WAITING, max_size=25, unique_by=lambda w: w.id), POLICIES)
def test_place_is_the_index_in_rank_for_any_queue(waiting, policy):
    ranked = [r.conversation.id for r in rules.rank(waiting, NOW, policy)]
    assert [rules.place(w, waiting, NOW, policy) for w in waiting] == [ranked.index(w.id) + 1 for w in waiting]
