"""Arbitrary input never crashes the parsers: it parses, or fails with SymphonyParseError."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alchemiser.domain.errors import SymphonyParseError
from alchemiser.domain.symphony.composer_json import parse_composer_json
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import Symphony

SNIPPETS = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    '"',
    '\\"',
    " ",
    "\n",
    ",",
    ";c\n",
    "nil",
    "true",
    ":window",
    ":rebalance-frequency",
    ":daily",
    "1",
    "-2.5",
    "1e3",
    "0",
    "10.5",
    '"SPY"',
    '"name"',
    "asset",
    "group",
    "weight-equal",
    "weight-specified",
    "weight-inverse-volatility",
    "if",
    "filter",
    "select-top",
    "select-bottom",
    ">",
    "<=",
    "=",
    "rsi",
    "current-price",
    "moving-average-price",
    "percentage-price-oscillator",
    ":short-window",
    "defsymphony",
]
texts = st.lists(st.sampled_from(SNIPPETS), max_size=60).map("".join) | st.text(max_size=80)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_any_clj_text_parses_or_fails_cleanly(text: str) -> None:
    result: Symphony | SymphonyParseError
    try:
        result = parse_clj(text, source="fuzz.clj")
    except SymphonyParseError as exc:
        result = exc
    assert isinstance(result, Symphony) or result.source == "fuzz.clj"


STEPS = [
    "root",
    "asset",
    "group",
    "wt-cash-equal",
    "wt-cash-specified",
    "wt-inverse-vol",
    "if",
    "if-child",
    "filter",
    "empty",
    "bogus",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 300)
    | st.floats(allow_nan=False)
    | st.sampled_from(["SPY", "gt", "top", "rsi", "relative-strength-index", "10", "", "x"])
)
fields = st.fixed_dictionaries(
    {"step": st.sampled_from(STEPS)},
    optional={
        "ticker": scalars,
        "name": scalars,
        "weight": st.one_of(scalars, st.fixed_dictionaries({"num": scalars, "den": scalars})),
        "window-days": scalars,
        "is-else-condition?": scalars,
        "comparator": scalars,
        "lhs-fn": scalars,
        "lhs-val": scalars,
        "lhs-fn-params": st.one_of(scalars, st.fixed_dictionaries({"window": scalars})),
        "rhs-fixed-value?": scalars,
        "rhs-val": scalars,
        "rhs-fn": scalars,
        "sort-by-fn": scalars,
        "sort-by-window-days": scalars,
        "select-fn": scalars,
        "select-n": scalars,
        "rebalance": scalars,
        "rebalance-corridor-width": scalars,
    },
)


def _with_children(children: Any) -> Any:
    return st.tuples(fields, st.lists(children, max_size=3)).map(
        lambda pair: {**pair[0], "children": pair[1]}
    )


scores = st.recursive(fields, _with_children, max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(scores)
def test_any_json_score_parses_or_fails_cleanly(score: dict[str, Any]) -> None:
    for data in (score, json.dumps(score)):
        result: Symphony | SymphonyParseError
        try:
            result = parse_composer_json(data, source="fuzz.json")
        except SymphonyParseError as exc:
            result = exc
        assert isinstance(result, Symphony) or result.source == "fuzz.json"
