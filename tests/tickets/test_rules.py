"""Ticket workflow rules (kefu.tickets.rules): which moves are allowed, which statuses stop the clock, and the
number a buyer reads out or types back."""

from __future__ import annotations

from kefu.tickets import rules


def test_waiting_on_the_buyer_or_a_third_party_stops_the_clock():
    assert rules.clock_runs("open") and rules.clock_runs("in_progress")
    for status in ("waiting_buyer", "waiting_courier", "waiting_warehouse", "waiting_platform", "resolved",
                   "closed"):
        assert not rules.clock_runs(status), status


def test_the_workflow_allows_reopening_a_resolved_ticket_but_nothing_after_closing():
    assert rules.can_move("open", "waiting_courier")
    assert rules.can_move("waiting_courier", "waiting_buyer")
    assert rules.can_move("resolved", "in_progress")  # the buyer says it is not fixed
    assert not rules.can_move("resolved", "waiting_buyer")
    assert not any(rules.can_move("closed", s) for s in rules.STATUSES)
    assert not rules.can_move("open", "open")


def test_ticket_numbers_are_short_unambiguous_and_typed_back_loosely():
    numbers = {rules.new_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for n in numbers:
        assert n.startswith("T-") and len(n) == 8 and not set(n[2:]) & set("01ILO")
    n = next(iter(numbers))
    assert rules.normalize_number(n) == n
    assert rules.normalize_number(" " + n[2:].lower()) == n
    assert rules.normalize_number("t" + n[2:]) == n
    assert rules.normalize_number("T-1234") is None
    assert rules.normalize_number("T-OOOOOO") is None


def test_a_chat_proposes_type_demand_title_and_orders():
    d = rules.draft_from_chat("logistics", ["你好", "订单 3907 的快递三天没动了", "能不能补发一个"], ["3907", "3907"])
    assert d["kind"] == "售后" and d["demand"] == "补发" and d["title"] == "订单 3907 的快递三天没动了"
    assert d["order_numbers"] == ["3907"] and d["problem"].endswith("能不能补发一个")
    complaint = rules.draft_from_chat("complaint", ["你们客服态度太差了" * 5], [])
    assert complaint["kind"] == "投诉" and complaint["priority"] == "high" and len(complaint["title"]) == 40
    assert complaint["demand"] == "处理投诉并回复"
    assert rules.draft_from_chat(None, [], [])["title"] == "买家问题"
    assert rules.draft_from_chat("invoice", ["发票怎么开"], [])["kind"] == "咨询"


def test_closing_an_after_sale_chat_without_a_ticket_offers_one():
    assert rules.suggest_on_close("refund", 0) and rules.suggest_on_close("logistics", 0)
    assert not rules.suggest_on_close("refund", 1)
    assert not rules.suggest_on_close("presale", 0) and not rules.suggest_on_close(None, 0)


def test_ticket_text_is_cleaned_like_chat_text_keeping_full_width_spaces():
    assert rules.clean_field("  退款　加急\r\n第二行\u200b\x07 ", "标题", "Title") == "退款　加急\n第二行"
    assert rules.clean_field("坏\ud800字", "标题", "Title") == "坏字"
    for bad in ("  \u200b ", "长" * 201):
        try:
            rules.clean_field(bad, "标题", "Title", required=True, max_chars=200)
        except ValueError as exc:
            assert "标题" in exc.args[0][0] and "Title" in exc.args[0][1]
        else:
            raise AssertionError(bad)


def test_a_ticket_goes_to_its_group_even_off_shift_before_another_group_online():
    from datetime import UTC, datetime

    from kefu.routing.rules import AgentState, Waiting, pick_for_ticket

    now = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    w = Waiting(id=1, waiting_since=now, group="售后")
    presale = AgentState(1, "售前", presence="online")
    on_break, off = AgentState(2, "售后", presence="break"), AgentState(3, "售后", presence="offline")
    assert pick_for_ticket(w, [presale, on_break, off], {2: 3}, now).id == 3  # fewer open tickets
    assert pick_for_ticket(w, [presale], {}, now).id == 1  # nobody of the group at all
    online = AgentState(4, "售后", presence="online")
    assert pick_for_ticket(w, [presale, on_break, off, online], {4: 10}, now).id == 4  # online first, load aside
