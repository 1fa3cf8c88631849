"""Quick-reply rules without a database: what a stored list may hold and what buttons it makes."""

from __future__ import annotations

import pytest

from kefu.core.errors import BadInput
from kefu.quickreplies import rules


def test_clean_items_keeps_order_trims_and_labels_own_lines():
    items = rules.clean_items([{"template_id": 7, "text": "ignored"}, {"text": "  我这就帮您查一下物流  "},
                               {"label": " 稍等 ", "text": "请您稍等"}])
    assert items == [{"template_id": 7}, {"label": "我这就帮您查一下", "text": "我这就帮您查一下物流"},
                     {"label": "稍等", "text": "请您稍等"}]


@pytest.mark.parametrize("items,code", [
    ("x", "bad_quick_replies"), ([1], "bad_quick_replies"), ([{"template_id": True}], "bad_quick_replies"),
    ([{"template_id": 0}], "bad_quick_replies"), ([{"template_id": 3}, {"template_id": 3}], "duplicate_quick_reply"),
    ([{"text": ""}], "quick_reply_empty"), ([{"label": "x" * 17, "text": "好"}], "quick_reply_too_long"),
    ([{"text": "好"}] * (rules.MAX_ITEMS + 1), "too_many_quick_replies"),
])
def test_clean_items_refuses_with_a_clear_code(items, code):
    with pytest.raises(BadInput) as err:
        rules.clean_items(items)
    assert err.value.code == code and err.value.zh and err.value.en


def test_resolve_uses_current_templates_and_drops_missing_ones():
    title = "发货时间说明（标准版，含节假日安排）"  # 18 characters: the button shows the first 16
    templates = {5: {"id": 5, "title": title, "body": "48 小时内发货", "shortcut": "fh"}}
    out = rules.resolve([{"template_id": 9}, {"template_id": 5}, {"label": "查件", "text": "我帮您查"}], templates)
    assert out == [{"template_id": 5, "label": "发货时间说明（标准版，含节假日安", "text": "48 小时内发货",
                    "shortcut": "fh"}, {"label": "查件", "text": "我帮您查"}]


def test_builtin_in_both_languages_and_who_sets_defaults():
    assert [b["label"] for b in rules.builtin("zh")] == ["问候", "要订单号", "稍等", "结束语"]
    assert rules.builtin("en")[3]["text"].startswith("Thanks")
    assert {r for r in ("agent", "senior", "supervisor", "trainer", "admin") if rules.may_edit_defaults(r)} == {
        "trainer", "admin"}
