from __future__ import annotations

from kefu.handoffs import rules


def test_summary_carries_what_the_receiver_needs():
    text = rules.summarize(intent="refund", emotion="angry", anger=0.82, abusive=False, orders=["3907", "3907"],
                           buyer_lines=["退款怎么还没到账", "都两天了"], agent_lines=["您好", "已为您加急退款"],
                           waited_seconds=130, note="买家第二次来问")
    for piece in ("退款", "怒气 82%", "订单 3907", "已等待 2 分钟", "「退款怎么还没到账」", "「已为您加急退款」",
                  "备注：买家第二次来问"):
        assert piece in text
    assert text.count("3907") == 1
    calm = rules.summarize(intent=None, emotion="calm", anger=0.0, abusive=False, orders=[], buyer_lines=[],
                           agent_lines=[], waited_seconds=20)
    assert "问题未明" in calm and "已等待 20 秒" in calm and "尚未提供方案" in calm


def test_summary_asks_come_from_substantive_lines_never_greetings():
    """An escalation summary quoted 诉求：「你好」 for an angry delivery chat."""
    text = rules.summarize(intent="logistics", emotion="angry", anger=0.7, abusive=False, orders=[],
                           buyer_lines=["你好", "在吗？", "快递五天了还没到", "谢谢", "到底什么时候送", "好的"],
                           agent_lines=[], waited_seconds=75)
    assert "诉求：「快递五天了还没到」 / 「到底什么时候送」" in text
    assert "「你好」" not in text and "「在吗？」" not in text and "「谢谢」" not in text
    only_hello = rules.summarize(intent="other", emotion="calm", anger=0.0, abusive=False, orders=[],
                                 buyer_lines=["你好", "hello"], agent_lines=[], waited_seconds=5)
    assert "诉求" not in only_hello and only_hello.startswith("问题未明")


def test_pick_receiver_prefers_free_seniors_then_supervisors():
    team = [(1, "agent", "online", 0, 5), (2, "senior", "online", 4, 5), (3, "senior", "online", 1, 5),
            (4, "supervisor", "online", 0, 5), (5, "senior", "break", 0, 5), (6, "senior", "online", 5, 5)]
    assert rules.pick_receiver(team, set()) == 3
    assert rules.pick_receiver(team, {3}) == 2
    assert rules.pick_receiver(team, {2, 3}) == 4
    assert rules.pick_receiver(team, {2, 3, 4}) is None


def test_tried_ids_round_trip():
    assert rules.tried(rules.with_tried(rules.with_tried("", 5), 2)) == {2, 5}
    assert rules.with_tried("3", None) == "3"
