"""Tree → `.clj` text: the layout, and text that reads back to the same tree."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alchemiser.domain.symphony.clj_writer import to_clj
from alchemiser.domain.symphony.parser import parse_clj
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
    Node,
    RebalanceFrequency,
    RebalanceRule,
    Selection,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
    walk,
)


def test_layout_of_a_small_symphony() -> None:
    symphony = Symphony(
        name='Say "hi"',
        root=If(
            Condition(Comparator.GT, Indicator(Metric.RSI, "SPY", 10), 79.0),
            Asset("UVXY", "VIX"),
            WeightSpecified(
                (0.6, 0.4),
                (
                    Asset("SPY"),
                    Filter(
                        Indicator(Metric.CUMULATIVE_RETURN, None, 5),
                        Selection.TOP,
                        1,
                        (Asset("TLT"), Group("g", WeightEqual((Asset("A"), Asset("B"))))),
                    ),
                ),
            ),
        ),
        rebalance=RebalanceRule(RebalanceFrequency.NONE, 0.05),
    )
    assert to_clj(symphony) == (
        "(defsymphony\n"
        '  "Say \\"hi\\""\n'
        '  {:asset-class "EQUITIES", :rebalance-threshold 0.05}\n'
        "  (if\n"
        '    (> (rsi "SPY" {:window 10}) 79)\n'
        '    [(asset "UVXY" "VIX")]\n'
        "    [(weight-specified\n"
        "      0.6\n"
        '      (asset "SPY" nil)\n'
        "      0.4\n"
        "      (filter\n"
        "        (cumulative-return {:window 5})\n"
        "        (select-top 1)\n"
        '        [(asset "TLT" nil)\n'
        '         (group "g"\n'
        "          [(weight-equal\n"
        '            [(asset "A" nil)\n'
        '             (asset "B" nil)])])]))]))\n'
    )
    assert parse_clj(to_clj(symphony)).digest == symphony.digest


def test_every_option_and_odd_value_reads_back() -> None:
    symphony = Symphony(
        name="odd\\name\nline",
        root=WeightEqual(
            (
                Empty(),
                WeightInverseVolatility(7, (Asset("BRK/B", 'a "b"'), Asset("QQQ"))),
                If(
                    Condition(
                        Comparator.EQ,
                        -1.5e-7,
                        Indicator(
                            Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL,
                            "SPY",
                            None,
                            (("long-window", 30.0), ("short-window", 10.0), ("smooth-window", 5.0)),
                        ),
                    ),
                    Empty(),
                    WeightEqual((Asset("X"), Asset("Y"))),
                ),
                WeightSpecified(
                    (0.6667000000000001, 0.3333, 0.0), (Asset("A"), Asset("B"), Asset("C"))
                ),
            )
        ),
        rebalance=RebalanceRule(RebalanceFrequency.MONTHLY, 0.1),
        asset_class="CRYPTO",
        description="desc",
    )
    again = parse_clj(to_clj(symphony))
    assert again.digest == symphony.digest
    assert [n.digest for n in walk(again.root)] == [n.digest for n in walk(symphony.root)]
    assert (again.name, again.rebalance, again.asset_class, again.description) == (
        symphony.name,
        symphony.rebalance,
        symphony.asset_class,
        symphony.description,
    )
    names = [n.name for n in walk(again.root) if isinstance(n, Asset)]
    assert names[:2] == ['a "b"', None]


def test_deep_tree_is_written_without_recursion() -> None:
    node: Node = Asset("SPY")
    for i in range(450):  # 1,800 brackets: the reader's limit is 2,000
        node = Group(f"g{i}", WeightEqual((node, Asset("TLT"))))
    symphony = Symphony(name="deep", root=node)
    assert parse_clj(to_clj(symphony)).digest == symphony.digest


# --------------------------------------------------------------------------- property
tickers = st.sampled_from(["SPY", "QQQ", "TLT", "BIL", "BRK/B"])
windows = st.integers(1, 300)
indicator = st.builds(
    Indicator,
    st.sampled_from([m for m in Metric if m is not Metric.CURRENT_PRICE and "osc" not in m.value]),
    tickers,
    windows,
)
operand = indicator | st.floats(-1e6, 1e6, allow_nan=False)
condition = st.builds(Condition, st.sampled_from(list(Comparator)), indicator, operand)


def _nodes(children: Any) -> Any:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return (
        st.builds(Group, st.text(max_size=8), children)
        | many.map(WeightEqual)
        | many.flatmap(
            lambda ns: st.lists(
                st.floats(0, 1, allow_nan=False), min_size=len(ns), max_size=len(ns)
            ).map(lambda ws: WeightSpecified(tuple(ws), ns))
        )
        | st.builds(WeightInverseVolatility, windows, many)
        | st.builds(If, condition, children, children)
        | st.builds(
            Filter,
            st.builds(Indicator, st.sampled_from(list(Metric)[1:9]), st.none(), windows),
            st.sampled_from(list(Selection)),
            st.integers(1, 3),
            many,
        )
    )


trees = st.recursive(
    st.builds(Asset, tickers, st.none() | st.text(max_size=10)) | st.just(Empty()),
    _nodes,
    max_leaves=25,
)


@settings(max_examples=100, deadline=None)
@given(trees)
def test_any_tree_reads_back_to_the_same_digest(root: Node) -> None:
    symphony = Symphony(name="p", root=root)
    assert parse_clj(to_clj(symphony)).digest == symphony.digest
