"""Frame validation: anything a client might send is either a valid frame or a BadFrame, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.core.realtime import CLOSE_UNSUPPORTED, BadFrame, parse_frame

ALLOWED = {"message", "typing", "read", "ping"}


def test_valid_frame():
    assert parse_frame(json.dumps({"type": "message", "text": "你好"}), ALLOWED)["text"] == "你好"


@pytest.mark.parametrize("raw,code", [(b"\x00", CLOSE_UNSUPPORTED), ("{", CLOSE_UNSUPPORTED), ("null", 1008),
                                      ('"text"', 1008), ('{"type": 5}', 1008), ('{"type": "drop_tables"}', 1008),
                                      ("x" * 70000, 1008), ("[" * 60000, CLOSE_UNSUPPORTED)])
def test_bad_frames(raw, code):
    with pytest.raises(BadFrame) as err:
        parse_frame(raw, ALLOWED)
    assert err.value.code == code and err.value.reason


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                        max_size=3), max_leaves=10)


@given(st.one_of(st.text(max_size=200), st.binary(max_size=50), json_values.map(json.dumps),
                 st.dictionaries(st.sampled_from(["type", "text", "seq"]), json_values).map(json.dumps)))
def test_parse_frame_total(raw):
    try:
        frame = parse_frame(raw, ALLOWED)
    except BadFrame as err:
        assert err.reason
    else:
        assert frame["type"] in ALLOWED
