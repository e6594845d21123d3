"""`.clj` forms → typed tree: each form, collapsing rules, options, and every error kind."""

from __future__ import annotations

import pytest

from alchemiser.domain.errors import StrategyError, SymphonyParseError
from alchemiser.domain.symphony.parser import SymphonyParseErrors, parse_clj
from alchemiser.domain.symphony.tree import (
    Asset,
    Comparator,
    Condition,
    Empty,
    Filter,
    Group,
    If,
    Indicator,
    Metric,
    RebalanceFrequency,
    RebalanceRule,
    Selection,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
)

SPY, QQQ, TLT = Asset("SPY"), Asset("QQQ"), Asset("TLT")


def root(body: str) -> object:
    return parse_clj(f'(defsymphony "t" {{}} {body})', source="t.clj").root


def rsi(ticker: str | None, window: int) -> Indicator:
    return Indicator(Metric.RSI, ticker, window)


def test_defsymphony_with_options() -> None:
    symphony = parse_clj(
        '(defsymphony "My sym" {:asset-class "EQUITIES", :rebalance-frequency :weekly}\n'
        '  (weight-equal [(asset "SPY" "S&P 500")]))',
        source="dir/my.clj",
    )
    assert symphony.name == "My sym"
    assert symphony.rebalance == RebalanceRule(RebalanceFrequency.WEEKLY, None)
    assert symphony.asset_class == "EQUITIES"
    assert symphony.source == "dir/my.clj"
    assert symphony.root == SPY
    assert isinstance(symphony.root, Asset) and symphony.root.name == "S&P 500"
    assert symphony.root.position == (2, 18)


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ("{}", RebalanceRule(RebalanceFrequency.DAILY, None)),
        ("{:rebalance-threshold 0.05}", RebalanceRule(RebalanceFrequency.NONE, 0.05)),
        ("{:rebalance-frequency :none}", RebalanceRule(RebalanceFrequency.NONE, None)),
        ("{:rebalance-frequency :quarterly}", RebalanceRule(RebalanceFrequency.QUARTERLY)),
        (
            "{:rebalance-frequency :monthly :rebalance-threshold 0.1}",
            RebalanceRule(RebalanceFrequency.MONTHLY, 0.1),
        ),
    ],
)
def test_rebalance_options(options: str, rule: RebalanceRule) -> None:
    assert parse_clj(f'(defsymphony "t" {options} (asset "SPY"))').rebalance == rule


def test_bare_if_root_is_a_daily_symphony_named_after_the_file() -> None:
    symphony = parse_clj(
        '(if (> (rsi "SPY" {:window 10}) 50)\n'
        '    (weight-equal (asset "QQQ" "x") (asset "TLT" "y"))\n'
        '    (asset "SPY"))',
        source="/x/simple_rsi.clj",
    )
    assert symphony.name == "simple_rsi"
    assert symphony.rebalance == RebalanceRule(RebalanceFrequency.DAILY)
    assert symphony.root == If(
        Condition(Comparator.GT, rsi("SPY", 10), 50.0), WeightEqual((QQQ, TLT)), SPY
    )


def test_asset_forms() -> None:
    node = root('(weight-equal [(asset "SPY" nil) (asset "QQQ") (asset "TLT" "Bonds")])')
    assert isinstance(node, WeightEqual)
    assert [(a.ticker, a.name) for a in node.nodes] == [  # type: ignore[union-attr]
        ("SPY", None),
        ("QQQ", None),
        ("TLT", "Bonds"),
    ]


def test_single_child_weight_equal_collapses_and_groups_stay() -> None:
    node = root('(weight-equal [(group "A" [(weight-equal [(asset "SPY")])])])')
    assert isinstance(node, Group) and node.name == "A"
    assert node.child == SPY
    assert node.digest == Group("other name", SPY).digest  # names are not identity


def test_group_with_several_children_is_an_equal_split() -> None:
    node = root('(group "G" [(asset "SPY") (asset "QQQ")])')
    assert node == Group("G", WeightEqual((SPY, QQQ)))


def test_empty_weight_equal_allocates_nothing() -> None:
    assert root("(weight-equal [])") == Empty()


def test_weight_specified_with_float_artefacts_and_zero() -> None:
    node = root(
        '(weight-specified 0.6667000000000001 (asset "SPY") 0.3333 (asset "QQQ") 0 (asset "TLT"))'
    )
    assert node == WeightSpecified((0.6667000000000001, 0.3333, 0.0), (SPY, QQQ, TLT))
    assert isinstance(node, WeightSpecified)
    assert all(type(w) is float for w in node.weights)


def test_weight_specified_integer_weight_equals_float_weight() -> None:
    assert root('(weight-specified 1 (asset "SPY"))') == WeightSpecified((1.0,), (SPY,))


def test_weight_inverse_volatility() -> None:
    node = root('(weight-inverse-volatility 20 [(asset "SPY") (group "g" [(asset "TLT")])])')
    assert node == WeightInverseVolatility(20, (SPY, Group("g", TLT)))


def test_if_branches_with_several_elements_are_equal_splits() -> None:
    node = root(
        '(if (<= (cumulative-return "SPY" {:window 5}) -2.5) '
        '[(asset "SPY") (asset "QQQ")] [(asset "TLT")])'
    )
    condition = Condition(Comparator.LTE, Indicator(Metric.CUMULATIVE_RETURN, "SPY", 5), -2.5)
    assert node == If(condition, WeightEqual((SPY, QQQ)), TLT)
    assert (
        root(
            '(if (<= (cumulative-return "SPY" {:window 5}) -2.5) '
            '[(weight-equal [(asset "SPY") (asset "QQQ")])] [(asset "TLT")])'
        )
        == node
    )


@pytest.mark.parametrize(("symbol", "comparator"), [(c.value, c) for c in Comparator])
def test_every_comparator_with_two_indicators(symbol: str, comparator: Comparator) -> None:
    node = root(
        f'(if ({symbol} (current-price "SPY") (moving-average-price "SPY" {{:window 200}})) '
        '[(asset "SPY")] [(asset "TLT")])'
    )
    expected = Condition(
        comparator,
        Indicator(Metric.CURRENT_PRICE, "SPY", None),
        Indicator(Metric.MOVING_AVERAGE_PRICE, "SPY", 200),
    )
    assert isinstance(node, If) and node.condition == expected


@pytest.mark.parametrize(
    "metric",
    [m for m in Metric if m is not Metric.CURRENT_PRICE and "oscillator" not in m.value],
)
def test_every_windowed_indicator(metric: Metric) -> None:
    node = root(f'(if (> ({metric.value} "QQQ" {{:window 14}}) 1) [(asset "SPY")] [(asset "TLT")])')
    assert isinstance(node, If)
    assert node.condition.lhs == Indicator(metric, "QQQ", 14)


def test_ppo_defaults_and_overrides() -> None:
    node = root(
        '(if (> (percentage-price-oscillator "SPY") '
        '(percentage-price-oscillator-signal "SPY" {:short-window 5 :smooth-window 3})) '
        '[(asset "SPY")] [(asset "TLT")])'
    )
    assert isinstance(node, If)
    assert node.condition.lhs == Indicator(
        Metric.PERCENTAGE_PRICE_OSCILLATOR,
        "SPY",
        None,
        (("long-window", 26.0), ("short-window", 12.0)),
    )
    assert node.condition.rhs == Indicator(
        Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL,
        "SPY",
        None,
        (("long-window", 26.0), ("short-window", 5.0), ("smooth-window", 3.0)),
    )


def test_composer_json_metric_names_are_accepted_in_clj() -> None:
    node = root(
        '(if (> (relative-strength-index "SPY" {:window 10}) '
        '(standard-deviation-return "SPY" {:window 10})) [(asset "SPY")] [(asset "TLT")])'
    )
    assert isinstance(node, If)
    assert node.condition.lhs == rsi("SPY", 10)
    assert node.condition.rhs == Indicator(Metric.STDEV_RETURN, "SPY", 10)


def test_filter_over_assets_and_groups() -> None:
    node = root(
        "(filter (moving-average-return {:window 10}) (select-bottom 2) "
        '[(asset "SPY") (group "g" [(asset "QQQ") (asset "TLT")])])'
    )
    assert node == Filter(
        Indicator(Metric.MOVING_AVERAGE_RETURN, None, 10),
        Selection.BOTTOM,
        2,
        (SPY, Group("g", WeightEqual((QQQ, TLT)))),
    )
    top = root('(filter (rsi {:window 3}) (select-top 1) [(asset "SPY")])')
    assert isinstance(top, Filter) and top.selection is Selection.TOP and top.count == 1


def test_nodes_carry_their_positions() -> None:
    symphony = parse_clj(
        '(defsymphony "t" {}\n (if (> (rsi "SPY" {:window 10}) 50)\n'
        '  [(asset "A")]\n  [(asset "B")]))'
    )
    node = symphony.root
    assert isinstance(node, If)
    assert node.position == (2, 2)
    assert node.then.position == (3, 4)
    assert node.otherwise.position == (4, 4)


# ---------------------------------------------------------------------------- errors
def parse_error(text: str) -> SymphonyParseError:
    with pytest.raises(SymphonyParseError) as info:
        parse_clj(text, source="bad.clj")
    assert isinstance(info.value, StrategyError)
    return info.value


def test_unknown_operator_suggests_the_close_name() -> None:
    err = parse_error('(defsymphony "x" {}\n  (weight-equl [(asset "SPY")]))')
    assert (err.line, err.column) == (2, 4)
    assert "unknown operator 'weight-equl'" in err.reason
    assert "did you mean 'weight-equal'" in err.reason
    assert str(err).startswith("bad.clj:2:4: ")


def test_indicator_without_window() -> None:
    err = parse_error('(if (> (rsi "SPY") 50) [(asset "A")] [(asset "B")])')
    assert (err.line, err.column) == (1, 8)
    assert "missing window" in err.reason and '(rsi "SPY" {:window N})' in err.reason


@pytest.mark.parametrize("window", ["2.5", '"10"', ":ten"])
def test_bad_window(window: str) -> None:
    err = parse_error(f'(if (> (rsi "SPY" {{:window {window}}}) 50) [(asset "A")] [(asset "B")])')
    assert (err.line, err.column) == (1, 28)
    assert "whole number" in err.reason


def test_unknown_indicator_option() -> None:
    err = parse_error('(if (> (rsi "SPY" {:windw 10}) 50) [(asset "A")] [(asset "B")])')
    assert "unknown option :windw" in err.reason


def test_non_numeric_weight() -> None:
    err = parse_error('(weight-specified 0.5 (asset "A") "half" (asset "B"))')
    assert (err.line, err.column) == (1, 35)
    assert "numeric weight" in err.reason


def test_weight_without_child() -> None:
    err = parse_error('(weight-specified 0.5 (asset "A") 0.5)')
    assert "weight/child pairs" in err.reason


def test_if_with_one_branch() -> None:
    err = parse_error(
        '(defsymphony "x" {}\n (if (> (rsi "SPY" {:window 10}) 50)\n  [(asset "A")]))'
    )
    assert (err.line, err.column) == (2, 2)
    assert "only one branch" in err.reason


def test_if_without_a_comparison() -> None:
    err = parse_error('(if (rsi "SPY" {:window 10}) [(asset "A")] [(asset "B")])')
    assert (err.line, err.column) == (1, 5)
    assert "expected a comparison" in err.reason


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ('(asset "A" "b" "c")', (1, 1), "wrong number of arguments (3)"),
        ("(asset)", (1, 1), "wrong number of arguments (0)"),
        ('(if (> (rsi "SPY" {:window 2}) 1 2) [(asset "A")] [(asset "B")])', (1, 5), "(3)"),
        ('(filter (rsi {:window 2}) (select-top) [(asset "A")])', (1, 27), "(select-top COUNT)"),
        ("(asset SPY)", (1, 8), "ticker as a string"),
        (
            '(filter (rsi "SPY" {:window 2}) (select-top 1) [(asset "A")])',
            (1, 9),
            "without a ticker",
        ),
        ('(filter (rsi {:window 2}) 1 [(asset "A")])', (1, 27), "select-top K"),
        ('(if (> (rsi {:window 2}) 1) [(asset "A")] [(asset "B")])', (1, 8), "needs a ticker"),
        ("(weight-equal [(select-top 1)])", (1, 16), "expected a node"),
        ("(weight-equal [1])", (1, 16), "expected a node"),
        ("()", (1, 1), "empty list"),
        ('(asset "A") (asset "B")', (1, 13), "single top-level form"),
        ("   ", (1, 1), "empty symphony"),
        (":daily", (1, 1), "found the keyword :daily"),
        ('(defsymphony "x" {:rebalance-frequency :hourly} (asset "A"))', (1, 40), ":daily"),
    ],
)
def test_malformed_forms(text: str, where: tuple[int, int], fragment: str) -> None:
    err = parse_error(text)
    assert (err.line, err.column) == where, err
    assert fragment in err.reason


def test_all_errors_are_collected_and_the_first_is_raised() -> None:
    err = parse_error(
        '(weight-equal [\n (asset "A")\n (fooo 1)\n (rsi "SPY")\n'
        ' (weight-specified "x" (asset "B"))])'
    )
    assert isinstance(err, SymphonyParseErrors)
    assert [(e.line, e.column) for e in err.errors] == [(3, 3), (4, 2), (5, 20)]
    assert (err.line, err.column) == (3, 3)
    assert "(and 2 more errors)" in err.reason


def test_deep_valid_nesting_parses_without_recursion() -> None:
    depth = 900  # 1,800 brackets: far deeper than any real file (288), under the reader's cap
    text = '(group "g" [' * depth + '(asset "SPY")' + "])" * depth
    node = parse_clj(text).root
    for _ in range(depth):
        assert isinstance(node, Group)
        node = node.child
    assert node == SPY


def test_vectors_nested_in_vectors_are_rejected_at_any_depth() -> None:
    err = parse_error('(if (> (rsi "SPY" {:window 2}) 1) [[(asset "A")]] [(asset "B")])')
    assert (err.line, err.column) == (1, 36)
    assert "a vector inside a vector" in err.reason
    deep = "[" * 1500 + '(asset "A")' + "]" * 1500
    err = parse_error(f'(if (> (rsi "SPY" {{:window 2}}) 1) {deep} [(asset "B")])')
    assert "a vector inside a vector" in err.reason
