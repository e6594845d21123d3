"""Addressable parameters: every numeric literal listed, and a variant equals the file edited by
hand (the parser, not the rebuild code, is the judge)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.research.parameters import ParameterKind, ParameterSpace
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import Filter, WeightSpecified, walk

TEXT = """
(defsymphony "knobs" {:rebalance-frequency :none :rebalance-threshold 0.05}
  (weight-specified
    0.6 (if (> (rsi "SPY" {:window 10}) 79)
            [(asset "UVXY")]
            [(if (< (cumulative-return "QQQ" {:window 20})
                    (moving-average-return "QQQ" {:window 5}))
                 [(asset "TQQQ")]
                 [(filter (stdev-return {:window 5}) (select-top 2)
                          [(asset "TECL") (asset "SOXL") (asset "FNGU")])])])
    0.4 (weight-inverse-volatility 20 [(asset "TLT") (asset "rsi_SPY_again_is_not_a_ticker")])))
"""

EXPECTED = {
    # address: (value, kind) — read off TEXT by hand
    "weights[0].weight[0]": (0.6, ParameterKind.WEIGHT),
    "weights[0].weight[1]": (0.4, ParameterKind.WEIGHT),
    "if[0].cond.lhs.window": (10, ParameterKind.WINDOW),
    "if[0].cond.rhs": (79, ParameterKind.THRESHOLD),
    "if[1].cond.lhs.window": (20, ParameterKind.WINDOW),
    "if[1].cond.rhs.window": (5, ParameterKind.WINDOW),
    "filter[0].metric.window": (5, ParameterKind.WINDOW),
    "filter[0].count": (2, ParameterKind.COUNT),
    "inverse-vol[0].window": (20, ParameterKind.WINDOW),
    "rebalance.threshold": (0.05, ParameterKind.REBALANCE_THRESHOLD),
}


def _space(text: str = TEXT) -> ParameterSpace:
    return ParameterSpace(parse_clj(text, "knobs.clj"))


def test_every_numeric_literal_is_listed_with_its_value() -> None:
    params = {p.address: (p.value, p.kind) for p in _space().parameters}
    assert params == EXPECTED


def test_paths_and_addresses_name_the_same_literal() -> None:
    space = _space()
    for p in space.parameters:
        assert space.value_of(p.path) == p.value
        assert space.value_of(p.address) == p.value


@pytest.mark.parametrize(
    ("assignment", "old", "new"),
    [
        ({"if[0].cond.rhs": 81}, "79)", "81)"),
        ({"if[0].cond.lhs.window": 12}, '"SPY" {:window 10}', '"SPY" {:window 12}'),
        (
            {"if[1].cond.rhs.window": 7},
            '"QQQ" {:window 5}',
            '"QQQ" {:window 7}',
        ),
        ({"filter[0].count": 1}, "(select-top 2)", "(select-top 1)"),
        (
            {"filter[0].metric.window": 9},
            "(stdev-return {:window 5})",
            "(stdev-return {:window 9})",
        ),
        (
            {"inverse-vol[0].window": 60},
            "weight-inverse-volatility 20",
            "weight-inverse-volatility 60",
        ),
        ({"rebalance.threshold": 0.1}, ":rebalance-threshold 0.05", ":rebalance-threshold 0.1"),
        ({"weights[0].weight[0]": 0.7}, "0.6 (if", "0.7 (if"),
    ],
)
def test_a_variant_is_the_file_edited_by_hand(
    assignment: dict[str, float], old: str, new: str
) -> None:
    space = _space()
    edited_text = TEXT.replace(old, new, 1)
    if "weight[0]" in next(iter(assignment)):
        edited_text = edited_text.replace(
            "0.4 (weight-inverse", "0.30000000000000004 (weight-inverse"
        )
    by_hand = parse_clj(edited_text, "knobs.clj")
    variant = space.variant(assignment)
    # the tree's digest covers the tree; the corridor is an option beside it
    assert (variant.digest, variant.rebalance) != (space.symphony.digest, space.symphony.rebalance)
    assert variant.digest == by_hand.digest
    assert variant.rebalance == by_hand.rebalance
    assert ParameterSpace(variant).value_of(next(iter(assignment))) == pytest.approx(
        next(iter(assignment.values()))
    )


def test_weights_left_free_keep_the_node_summing_to_one() -> None:
    text = (
        TEXT.replace("0.6 (if", "0.5 (if")
        .replace("0.4 (weight-inverse", "0.3 (weight-inverse")
        .replace(
            '[(asset "TLT") (asset "rsi_SPY_again_is_not_a_ticker")])))',
            '[(asset "TLT") (asset "rsi_SPY_again_is_not_a_ticker")]) 0.2 (asset "GLD")))',
        )
    )
    space = _space(text)
    variant = space.variant({"weights[0].weight[0]": 0.8})
    node = next(n for n in walk(variant.root) if isinstance(n, WeightSpecified))
    # the other two keep their 3:2 proportion within the remaining 0.2
    assert node.weights == pytest.approx((0.8, 0.12, 0.08))
    with pytest.raises(ConfigurationError, match="sum to"):
        space.variant({"weights[0].weight[0]": 0.8, "weights[0].weight[1]": 0.3})


def test_a_group_address_moves_every_use_of_one_indicator() -> None:
    text = TEXT.replace('(moving-average-return "QQQ" {:window 5})', '(rsi "SPY" {:window 10})')
    space = _space(text)
    variant = space.variant({"rsi(SPY,10).window": 14})
    by_hand = parse_clj(text.replace('"SPY" {:window 10}', '"SPY" {:window 14}'), "k")
    assert variant.digest == by_hand.digest
    # a filter's metric has no ticker: `*`
    variant = space.variant({"stdev-return(*,5).window": 6})
    node = next(n for n in walk(variant.root) if isinstance(n, Filter))
    assert node.metric.window == 6


@pytest.mark.parametrize(
    ("address", "value", "message"),
    [
        ("if[0].cond.lhs.window", 0, "whole number of at least 1"),
        ("if[0].cond.lhs.window", 10.5, "whole number"),
        ("filter[0].count", -1, "whole number"),
        ("weights[0].weight[0]", 1.5, "between 0 and 1"),
        ("rebalance.threshold", 0, "positive"),
        ("if[0].cond.rhs", float("nan"), "finite"),
    ],
)
def test_values_a_field_cannot_take_are_refused_naming_the_address(
    address: str, value: float, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        _space().variant({address: value})
    assert address in info.value.message


def test_an_unknown_address_says_where_to_look() -> None:
    with pytest.raises(ConfigurationError, match=r"no parameter 'if\[9\]\.cond\.rhs'") as info:
        _space().variant({"if[9].cond.rhs": 3})
    assert "symphony params" in info.value.suggested_action
    assert "if[0].cond.rhs" in info.value.suggested_action


def test_two_names_for_one_number_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="same number"):
        _space().variant({"if[0].cond.lhs.window": 12, "rsi(SPY,10).window": 14})


def test_every_corpus_file_round_trips_its_own_values(symphonies_dir: Path) -> None:
    """Setting every parameter to its own value rebuilds the same tree (same digest), and
    moving one threshold changes it, in every shared file."""
    from alchemiser.infrastructure.symphony_files import load_symphony_file

    checked = 0
    for path in sorted(symphonies_dir.glob("*.clj")):
        symphony = load_symphony_file(path)
        space = ParameterSpace(symphony)
        same = space.variant({p.path: p.value for p in space.parameters})
        assert same.digest == symphony.digest, path.name
        thresholds = [p for p in space.parameters if p.kind is ParameterKind.THRESHOLD]
        if thresholds:
            moved = space.variant({thresholds[0].path: thresholds[0].value + 1})
            assert moved.digest != symphony.digest, path.name
            checked += 1
    assert checked > 40
