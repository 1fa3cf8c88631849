from __future__ import annotations

import pytest

from kefu.agents import rules
from kefu.core.errors import BadInput


def test_role_sets():
    assert rules.may("admin", rules.ADMIN_ROLES) and not rules.may("supervisor", rules.ADMIN_ROLES)
    assert rules.may("supervisor", rules.SUPERVISE_ROLES) and not rules.may("senior", rules.SUPERVISE_ROLES)
    assert all(rules.may(r, rules.CHAT_ROLES) for r in ("agent", "senior", "emotion_support", "trainer"))


@pytest.mark.parametrize("raw,expected", [("退款, 物流，发票、退款", ["退款", "物流", "发票"]), (None, []),
                                          (["VIP", " VIP ", ""], ["VIP"])])
def test_parse_skills(raw, expected):
    assert rules.parse_skills(raw) == expected


@pytest.mark.parametrize("fn,value", [(rules.check_username, "A B"), (rules.check_username, "x"),
                                      (rules.check_password, "1234567"), (rules.check_role, "root"),
                                      (rules.check_group, "仓库"), (rules.check_presence, "busy"),
                                      (rules.check_max_chats, 0), (rules.check_max_chats, 51)])
def test_checks_reject(fn, value):
    with pytest.raises(BadInput):
        fn(value)


def test_username_is_lowercased():
    assert rules.check_username(" XiaoLi ") == "xiaoli"
