"""rules.take_line: which chat lines may be stored together with others (kefu.chatlines.service.store_lines)
and what one changes — decided without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from kefu.conversations import rules
from kefu.nlu import service as nlu

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SERVES = SimpleNamespace(id=7, shop_id=1, role="agent", group="售后", display_name="小李")
COLLEAGUE = SimpleNamespace(id=8, shop_id=1, role="agent", group="售后", display_name="阿杰")


def chat(**kw):
    row = dict(id=3, shop_id=1, customer_id=5, status="assigned", assignee_id=7, group="售后", last_seq=4,
               agent_unread=0, agent_read_seq=4, first_message_at=AT, first_response_at=AT, intent="logistics",
               intent_confidence=0.9, anger=0.0, abusive=False, buyer_context=["在吗"])
    return SimpleNamespace(**(row | kw))


def buyer(text, cmid="b1", context=("在吗",)):
    return SimpleNamespace(shop_id=1, text=text, client_msg_id=cmid, agent=None, private=False,
                           ahead=(list(context), nlu.essentials(text, list(context))))


def agent(who, text, cmid="a1", private=False):
    return SimpleNamespace(shop_id=1, text=text, client_msg_id=cmid, agent=who, private=private, ahead=None)


def test_a_buyer_line_in_a_served_chat_is_taken_and_counted_unread():
    conv, stored = chat(), set()
    msg, changes, routing = rules.take_line(conv, buyer("快递到哪了"), stored, AT)
    assert (msg.seq, msg.sender, msg.text, msg.client_msg_id) == (5, "buyer", "快递到哪了", "b1")
    assert conv.last_seq == 5 and conv.agent_unread == 1 and conv.last_preview == "快递到哪了"
    assert conv.buyer_context == ["在吗", "快递到哪了"] and msg.analysis["intent"]
    assert not routing and changes["last_message_at"] == AT
    assert rules.take_line(chat(), buyer("快递到哪了"), stored, AT) is None  # the same client_msg_id again


def test_lines_left_to_the_ordinary_path():
    assert rules.take_line(chat(status="waiting", assignee_id=None), buyer("有人吗"), set(), AT) is None  # bot
    assert rules.take_line(chat(), buyer("有人吗", context=["别的"]), set(), AT) is None  # other context
    assert rules.take_line(chat(buyer_context=None), buyer("有人吗"), set(), AT) is None  # a row from before 0014
    assert rules.take_line(chat(), buyer("   "), set(), AT) is None  # an empty line: refused the ordinary way
    assert rules.take_line(chat(), buyer("好", cmid="x" * 65), set(), AT) is None
    assert rules.take_line(chat(status="closed"), agent(SERVES, "在的"), set(), AT) is None
    assert rules.take_line(chat(), agent(COLLEAGUE, "我来答"), set(), AT) is None  # not their chat
    assert rules.take_line(chat(shop_id=2), agent(SERVES, "在的"), set(), AT) is None


def test_an_answer_reads_the_chat_and_a_note_leaves_its_preview_alone():
    conv = chat(agent_unread=2)
    msg, _, _ = rules.take_line(conv, agent(SERVES, "马上帮您查"), set(), AT)
    assert (msg.seq, msg.sender, msg.agent_id) == (5, "agent", 7)
    assert conv.agent_unread == 0 and conv.agent_read_seq == 5 and conv.last_preview == "马上帮您查"
    note = chat(last_preview="快递到哪了", last_message_at=None)
    msg, changes, _ = rules.take_line(note, agent(COLLEAGUE, "记一下", private=True), set(), AT)
    assert msg.private and note.last_preview == "快递到哪了" and "last_message_at" not in changes
