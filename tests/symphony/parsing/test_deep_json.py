"""The depth-proof JSON fallback agrees with the json module and rejects what it rejects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alchemiser.domain.symphony import _deep_json as deep_json
from alchemiser.domain.symphony._deep_json import (
    DeepJSONError,
    _dumps_iteratively,
    _loads_iteratively,
)

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(values)
def test_iterative_codec_matches_the_json_module(value: Any) -> None:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert _dumps_iteratively(value) == text
    assert _loads_iteratively(text) == value
    assert _loads_iteratively(json.dumps(value, indent=2)) == value


def test_nesting_far_beyond_the_recursion_limit() -> None:
    depth = deep_json.MAX_DEPTH // 2  # two brackets a level: exactly the deepest read
    value: Any = "leaf"
    for _ in range(depth):
        value = {"children": [value]}
    text = deep_json.dumps(value)
    assert text == '{"children":[' * depth + '"leaf"' + "]}" * depth
    again = deep_json.loads(text)
    for _ in range(depth):
        again = again["children"][0]
    assert again == "leaf"


def test_nesting_deeper_than_the_limit_is_a_clear_error() -> None:
    depth = deep_json.MAX_DEPTH // 2 + 1
    text = '{"children":[' * depth + '"leaf"' + "]}" * depth
    with pytest.raises(deep_json.DeepJSONError, match="nesting deeper than 4000 brackets"):
        deep_json.loads(text)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("[1,]", 3),
        ("[1 2]", 3),
        ('{"a" 1}', 5),
        ('{"a":1,}', 7),
        ('{"a"}', 4),
        ("[1}", 2),
        ("]", 0),
        ("[", 1),
        ("", 0),
        ("1 2", 2),
        ("[nul]", 1),
        ('["unterminated]', 1),
        ("{:1}", 1),
    ],
)
def test_malformed_text_is_rejected_like_the_json_module(text: str, offset: int) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(DeepJSONError) as info:
        _loads_iteratively(text)
    assert (info.value.lineno, info.value.colno) == (1, offset + 1)
