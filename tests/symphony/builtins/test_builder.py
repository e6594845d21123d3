"""The Python builder: shapes, validation, and the same normalisation as the `.clj` parser."""

from __future__ import annotations

import pytest

from alchemiser.domain.errors import StrategyError
from alchemiser.domain.symphony.builder import (
    asset,
    bottom,
    cumulative_return,
    current_price,
    ema,
    eq,
    equal,
    filter_,
    first_match,
    group,
    gt,
    gte,
    if_,
    inverse_vol,
    lt,
    lte,
    max_drawdown,
    moving_average_price,
    moving_average_return,
    rsi,
    specified,
    stdev_price,
    stdev_return,
    top,
)
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import (
    Comparator,
    Condition,
    Filter,
    Group,
    If,
    Indicator,
    Metric,
    Selection,
    WeightEqual,
)

SPY, BIL, TLT = asset("SPY"), asset("BIL"), asset("TLT")


def test_equal_of_one_node_is_the_node_itself() -> None:
    assert equal(SPY) is SPY
    both = equal(SPY, BIL)
    assert isinstance(both, WeightEqual) and both.nodes == (SPY, BIL)


def test_if_branches_take_a_node_or_a_list_split_equally() -> None:
    node = if_(gt(rsi("SPY", 10), 79), then=[BIL], otherwise=[SPY, TLT])
    assert node.then is BIL
    assert isinstance(node.otherwise, WeightEqual) and node.otherwise.nodes == (SPY, TLT)
    assert node.condition == Condition(Comparator.GT, Indicator(Metric.RSI, "SPY", 10), 79.0)


def test_first_match_nests_like_if_elif_else() -> None:
    hot, cold = gt(rsi("SPY", 10), 80), lt(rsi("SPY", 10), 30)
    node = first_match((hot, BIL), (cold, SPY), otherwise=TLT)
    assert node == If(hot, BIL, If(cold, SPY, TLT))
    assert first_match(otherwise=TLT) is TLT


def test_indicators_take_a_ticker_in_conditions_and_none_in_filters() -> None:
    assert rsi("SPY", 10) == Indicator(Metric.RSI, "SPY", 10)
    assert rsi(9) == Indicator(Metric.RSI, None, 9)
    assert current_price("SPY") == Indicator(Metric.CURRENT_PRICE, "SPY", None)
    assert stdev_return(5).metric is Metric.STDEV_RETURN


@pytest.mark.parametrize(
    "make",
    [
        lambda: rsi("SPY"),  # type: ignore[call-overload]
        lambda: rsi(0),
        lambda: rsi("SPY", -3),
        lambda: rsi("SPY", 2.5),  # type: ignore[call-overload]
        lambda: rsi(True),
        lambda: rsi(10, 10),  # type: ignore[call-overload]
    ],
)
def test_bad_windows_are_refused(make: object) -> None:
    with pytest.raises(StrategyError, match="window"):
        make()  # type: ignore[operator]


def test_filters_rank_by_a_ticker_free_metric_and_keep_a_positive_count() -> None:
    node = filter_(moving_average_return(90), top(3), [SPY, BIL])
    assert (node.selection, node.count, node.candidates) == (Selection.TOP, 3, (SPY, BIL))
    assert filter_(rsi(10), bottom(1), [SPY]).selection is Selection.BOTTOM
    with pytest.raises(StrategyError, match="no ticker"):
        filter_(rsi("SPY", 10), top(1), [SPY])
    with pytest.raises(StrategyError, match="positive"):
        top(0)
    with pytest.raises(StrategyError, match="candidate"):
        filter_(rsi(10), top(1), [])


def test_comparisons_need_tickers_and_numbers_become_floats() -> None:
    with pytest.raises(StrategyError, match="ticker"):
        gt(rsi(10), 50)
    condition = lte(cumulative_return("QQQ", 60), -12)
    assert condition.rhs == -12.0 and isinstance(condition.rhs, float)


def test_specified_keeps_weights_exactly_and_refuses_negative_ones() -> None:
    node = specified((0.6667000000000001, SPY), (0.3333, BIL))
    assert node.weights == (0.6667000000000001, 0.3333)
    assert node.digest != specified((0.6667, SPY), (0.3333, BIL)).digest
    with pytest.raises(StrategyError, match="non-negative"):
        specified((-0.1, SPY), (1.1, BIL))


def test_group_names_document_but_do_not_change_content() -> None:
    assert group("one name", SPY) == group("another", SPY)
    assert group("x", SPY) != SPY  # a group is still a node of its own, as in the parser
    assert isinstance(group("x", SPY, BIL).child, WeightEqual)
    with pytest.raises(StrategyError, match="invalid ticker"):
        asset(" SPY")


SNIPPET = """
(defsymphony "builder check" {:rebalance-frequency :daily}
 (weight-equal
  [(group "outer"
    [(weight-equal
      [(if (>= (exponential-moving-average-price "SPY" {:window 20})
               (moving-average-price "SPY" {:window 50}))
        [(weight-specified 0.6667000000000001 (asset "SPY" "S&P 500")
                           0.3333 (group "bonds" [(weight-equal [(asset "TLT" nil)])]))]
        [(weight-inverse-volatility 14 [(asset "BIL") (asset "TLT")])
         (filter (max-drawdown {:window 30}) (select-bottom 1)
                 [(asset "SPY") (group "g" [(weight-equal [(asset "BIL") (asset "TLT")])])])])
       (if (= (stdev-price "TLT" {:window 5}) 0)
        [(asset "BIL")]
        [(if (<= (current-price "SPY") (stdev-return "SPY" {:window 10}))
          [(asset "SPY")]
          [(asset "TLT")])])])])]))
"""


def test_builder_and_parser_normalise_identically() -> None:
    built = group(
        "outer",
        if_(
            gte(ema("SPY", 20), moving_average_price("SPY", 50)),
            then=specified((0.6667000000000001, SPY), (0.3333, group("bonds", TLT))),
            otherwise=[
                inverse_vol(14, [BIL, TLT]),
                filter_(max_drawdown(30), bottom(1), [SPY, group("g", BIL, TLT)]),
            ],
        ),
        if_(
            eq(stdev_price("TLT", 5), 0),
            BIL,
            if_(lte(current_price("SPY"), stdev_return("SPY", 10)), SPY, TLT),
        ),
    )
    parsed = parse_clj(SNIPPET, source="snippet.clj")
    assert isinstance(parsed.root, Group) and isinstance(parsed.root.child, WeightEqual)
    assert isinstance(parsed.root.child.nodes[0], If)
    assert isinstance(built, Group) and isinstance(built.child, WeightEqual)
    assert parsed.root.digest == built.digest
    # and a single changed number anywhere changes the digest
    other = parse_clj(SNIPPET.replace("{:window 30}", "{:window 31}"), source="snippet.clj")
    assert other.root.digest != built.digest
    assert isinstance(filter_(max_drawdown(30), bottom(1), [SPY]), Filter)
