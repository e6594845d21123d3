"""The validator: inventory, warm-up arithmetic, and every problem at once with its position."""

from __future__ import annotations

import pytest

from alchemiser.domain.errors import StrategyError
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import (
    Asset,
    Filter,
    Group,
    Indicator,
    Metric,
    RebalanceFrequency,
    RebalanceRule,
    Selection,
    Symphony,
    WeightInverseVolatility,
)
from alchemiser.domain.symphony.validator import (
    Severity,
    SymphonyInvalidError,
    closes_needed,
    validate,
)


@pytest.mark.parametrize(
    ("indicator", "closes"),
    [
        (Indicator(Metric.CURRENT_PRICE, "SPY", None), 1),
        (Indicator(Metric.MOVING_AVERAGE_PRICE, "SPY", 200), 200),
        (Indicator(Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE, "SPY", 8), 8),
        (Indicator(Metric.STDEV_PRICE, "SPY", 20), 20),
        (Indicator(Metric.MAX_DRAWDOWN, "SPY", 10), 10),
        (Indicator(Metric.RSI, "SPY", 10), 11),  # 10 changes need 11 closes
        (Indicator(Metric.CUMULATIVE_RETURN, "SPY", 5), 6),  # P_t / P_{t-5}
        (Indicator(Metric.MOVING_AVERAGE_RETURN, "SPY", 3), 4),
        (Indicator(Metric.STDEV_RETURN, "SPY", 10), 11),
        (Indicator(Metric.PERCENTAGE_PRICE_OSCILLATOR, "SPY", None, (("long-window", 26.0),)), 26),
        (
            Indicator(
                Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL,
                "SPY",
                None,
                (("long-window", 26.0), ("short-window", 12.0), ("smooth-window", 9.0)),
            ),
            34,  # the 26-day EMA is defined on close 26; nine PPO values end on close 34
        ),
    ],
)
def test_closes_needed(indicator: Indicator, closes: int) -> None:
    assert closes_needed(indicator) == closes


def test_inventory_and_warmup_of_a_small_symphony() -> None:
    symphony = parse_clj(
        """(defsymphony "t" {}
          (if (> (current-price "SPY") (moving-average-price "SPY" {:window 200}))
            [(asset "TQQQ" nil)]
            [(filter (cumulative-return {:window 5}) (select-top 1)
               [(asset "TLT" nil)
                (group "g" [(if (< (rsi "QQQ" {:window 10}) 30)
                                [(asset "QQQ" nil)] [(asset "BIL" nil)])])])]))"""
    )
    report = validate(symphony)
    assert report.ok and report.problems == ()
    assert report.tickers == ("BIL", "QQQ", "SPY", "TLT", "TQQQ")
    assert report.indicators == (
        Indicator(Metric.CUMULATIVE_RETURN, None, 5),
        Indicator(Metric.CURRENT_PRICE, "SPY", None),
        Indicator(Metric.MOVING_AVERAGE_PRICE, "SPY", 200),
        Indicator(Metric.RSI, "QQQ", 10),
    )
    # if(200) > filter over a group defined from close 11 (rsi 10): its return stream needs
    # 5 more closes for a 5-day cumulative return → 11 + 6 - 1 = 16; the moving average wins
    assert report.warmup_sessions == 200
    assert report.node_count == 8  # if, tqqq, filter, tlt, group, if, qqq, bil
    assert report.distinct_nodes == 8


def test_warmup_adds_along_nested_filters_and_inverse_volatility() -> None:
    inner = Group(
        "g",
        Filter(
            Indicator(Metric.RSI, None, 10),  # 11 closes
            Selection.TOP,
            1,
            (Asset("A"), Asset("B")),
        ),
    )
    outer = Filter(
        Indicator(Metric.MOVING_AVERAGE_RETURN, None, 20),  # 21 closes of the group's curve
        Selection.BOTTOM,
        1,
        (inner, Asset("C")),
    )
    assert validate(Symphony(name="x", root=outer)).warmup_sessions == 11 + 21 - 1
    vol = WeightInverseVolatility(5, (outer, Asset("D")))
    assert validate(Symphony(name="x", root=vol)).warmup_sessions == 31 + 5
    assert (
        validate(Symphony(name="x", root=WeightInverseVolatility(5, (Asset("D"),)))).warmup_sessions
        == 6
    )


def test_every_problem_is_reported_at_once_with_positions() -> None:
    symphony = parse_clj(
        """(defsymphony "bad" {:rebalance-threshold 1.5}
 (weight-equal
  [(asset "spy" nil)
   (weight-specified 0.5 (asset "A" nil) 0.4 (asset "B" nil))
   (if (> (rsi "SPY" {:window 0}) 50) [(asset "C" nil)] [(asset "D" nil)])
   (filter (rsi {:window -3}) (select-top 0) [(asset "E" nil)])
   (weight-inverse-volatility 1 [(asset "F" nil) (asset "G" nil)])
   (weight-specified -0.5 (asset "A" nil) 1.5 (asset "B" nil))
   (if (> 1 2) [(asset "H" nil)] [(asset "I" nil)])
   (if (> (percentage-price-oscillator "SPY" {:short-window 30}) 0)
       [(asset "J" nil)] [(asset "K" nil)])]))""",
        source="bad.clj",
    )
    report = validate(symphony)
    assert not report.ok
    rendered = [p.render("bad.clj") for p in report.problems]
    assert rendered == [
        "bad.clj: error: rebalance threshold 1.5 must be between 0 and 1 (0.05 = 5%)",
        "bad.clj:3:4: error: asset 'spy' is not a ticker symbol (e.g. SPY, BRK/B)",
        "bad.clj:4:4: error: weight-specified weights sum to 0.9, expected 1",
        "bad.clj:5:4: error: (rsi SPY): window 0 must be at least 1",
        "bad.clj:6:4: error: (rsi): window -3 must be at least 1",
        "bad.clj:6:4: error: select-top 0: must select at least 1",
        "bad.clj:7:4: error: weight-inverse-volatility window 1 must be at least 2 "
        "(a volatility needs two returns)",
        "bad.clj:8:4: error: weights [-0.5, 1.5] must be finite and non-negative",
        "bad.clj:9:4: warning: comparison of two numbers: the branch taken never changes",
        "bad.clj:10:4: error: (percentage-price-oscillator SPY): :short-window must be shorter "
        "than :long-window",
    ]
    with pytest.raises(SymphonyInvalidError) as info:
        report.raise_if_invalid()
    assert isinstance(info.value, StrategyError)
    assert info.value.problems == report.problems
    assert "(and 8 more problems)" in str(info.value)


def test_weights_off_by_rounding_are_a_warning() -> None:
    symphony = parse_clj(
        '(weight-specified 0.3333 (asset "A") 0.3333 (asset "B") 0.3333 (asset "C"))'
    )
    report = validate(symphony)
    assert report.ok
    assert [p.message for p in report.problems] == [
        "weight-specified weights sum to 0.9999; they are renormalised"
    ]
    # float artefacts of weights that do sum to 1 are not worth a word
    exact = parse_clj('(weight-specified 0.6667000000000001 (asset "A") 0.3333 (asset "B"))')
    assert validate(exact).problems == ()


def test_warnings_alone_do_not_invalidate() -> None:
    symphony = Symphony(
        name="w",
        root=Filter(Indicator(Metric.RSI, None, 5), Selection.TOP, 1, ()),
        rebalance=RebalanceRule(RebalanceFrequency.NONE, None),
    )
    report = validate(symphony)
    assert report.ok
    assert {p.severity for p in report.problems} == {Severity.WARNING}
    assert len(report.problems) == 2
    report.raise_if_invalid()


def test_real_ticker_shapes_are_accepted() -> None:
    for ticker in ("SPY", "BRK/B", "BRK.B", "LQQ3", "BF-B"):
        assert validate(Symphony(name="t", root=Asset(ticker))).ok, ticker
