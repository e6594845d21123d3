"""Each operator's semantics (SPEC §2.3) on hand-built prices with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alchemiser.domain.errors import DataError, SignalUndefinedError, StrategyError
from alchemiser.domain.symphony.evaluator import evaluate, required_tickers
from alchemiser.domain.symphony.tree import (
    Asset,
    Empty,
    Filter,
    Group,
    If,
    Indicator,
    Metric,
    Node,
    Selection,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
)
from tests.symphony.evaluation._build import NAN, cond, geometric, history, ind, price

A, B, C, D = Asset("A"), Asset("B"), Asset("C"), Asset("D")


def rows(node: Node, hist) -> list[dict[str, float] | None]:  # type: ignore[no-untyped-def]
    """Every date's allocation as {ticker: weight} (zeros dropped), None where undefined."""
    matrix = evaluate(node, hist)
    out: list[dict[str, float] | None] = []
    for i in range(len(matrix.dates)):
        if not matrix.defined[i]:
            out.append(None)
            continue
        out.append(
            {t: float(w) for t, w in zip(matrix.tickers, matrix.weights[i], strict=True) if w > 0}
        )
    return out


def approx_rows(expected: list[dict[str, float] | None]) -> list[object]:
    return [None if r is None else pytest.approx(r, abs=1e-12) for r in expected]


# -- leaves, groups and weights -------------------------------------------------------------------
def test_asset_is_defined_where_its_price_is() -> None:
    hist = history(A=[NAN, NAN, 3.0, 4.0])
    assert rows(A, hist) == [None, None, {"A": 1.0}, {"A": 1.0}]


def test_empty_is_defined_and_holds_nothing() -> None:
    matrix = evaluate(Empty(), history(A=[1.0, 2.0]))
    assert matrix.defined.all()
    assert matrix.weights_on() == {}


def test_group_is_transparent_and_its_name_does_not_matter() -> None:
    hist = history(A=[1.0, 2.0], B=[3.0, 4.0])
    one = Group("first", WeightEqual((A, B)))
    two = Group("second", WeightEqual((A, B)))
    assert one.digest == two.digest
    assert rows(one, hist) == rows(two, hist) == [{"A": 0.5, "B": 0.5}] * 2


def test_weight_equal_drops_empty_children_and_renormalises() -> None:
    hist = history(A=[1.0], B=[1.0])
    assert rows(WeightEqual((A, Empty(), B)), hist) == [{"A": 0.5, "B": 0.5}]
    assert rows(WeightEqual((Empty(), Empty())), hist) == [{}]


def test_weight_equal_nested_weights_are_kept_not_flattened() -> None:
    hist = history(A=[1.0], B=[1.0], C=[1.0])
    node = WeightEqual((A, WeightEqual((B, C))))
    assert rows(node, hist) == [{"A": 0.5, "B": 0.25, "C": 0.25}]


def test_weight_specified_with_float_artefacts_sums_to_one() -> None:
    hist = history(A=[1.0], B=[1.0], C=[1.0])
    node = WeightSpecified((0.6667000000000001, 0.2222, 0.1111), (A, B, C))
    (row,) = rows(node, hist)
    assert row is not None
    assert sum(row.values()) == pytest.approx(1.0, abs=1e-12)
    total = 0.6667000000000001 + 0.2222 + 0.1111
    assert row["A"] == pytest.approx(0.6667000000000001 / total, abs=1e-15)


def test_weight_specified_zero_weight_child_gets_nothing_and_cannot_undefine() -> None:
    hist = history(A=[NAN, 1.0], B=[1.0, 1.0])
    node = WeightSpecified((0.0, 1.0), (A, B))
    assert rows(node, hist) == [{"B": 1.0}, {"B": 1.0}]


def test_weight_specified_empty_child_renormalises_the_rest() -> None:
    hist = history(A=[1.0], B=[1.0])
    node = WeightSpecified((0.5, 0.3, 0.2), (Empty(), A, B))
    assert rows(node, hist) == approx_rows([{"A": 0.6, "B": 0.4}])


def test_weight_node_is_undefined_while_a_weighted_child_is() -> None:
    hist = history(A=[NAN, 1.0], B=[1.0, 1.0])
    assert rows(WeightEqual((A, B)), hist) == [None, {"A": 0.5, "B": 0.5}]


def test_duplicate_assets_in_siblings_are_summed() -> None:
    hist = history(A=[1.0], B=[1.0])
    node = WeightEqual((A, WeightEqual((A, B))))
    assert rows(node, hist) == [{"A": 0.75, "B": 0.25}]


# -- if -------------------------------------------------------------------------------------------
def test_if_selects_per_date_with_exact_float_equality() -> None:
    hist = history(A=[1.0, 2.0, 3.0, 2.0], B=[5.0] * 4, C=[6.0] * 4)
    node = If(cond(price("A"), "=", 2.0), B, C)
    assert rows(node, hist) == [{"C": 1.0}, {"B": 1.0}, {"C": 1.0}, {"B": 1.0}]
    assert rows(If(cond(price("A"), "=", 2.0000000000000004), B, C), hist)[1] == {"C": 1.0}


@pytest.mark.parametrize(
    ("comparator", "expected"),
    [
        (">", [False, False, True]),
        (">=", [False, True, True]),
        ("<", [True, False, False]),
        ("<=", [True, True, False]),
    ],
)
def test_if_comparators(comparator: str, expected: list[bool]) -> None:
    hist = history(A=[1.0, 2.0, 3.0], B=[2.0, 2.0, 2.0], C=[1.0] * 3, D=[1.0] * 3)
    node = If(cond(price("A"), comparator, price("B")), C, D)
    assert [r == {"C": 1.0} for r in rows(node, hist)] == expected


def test_if_with_multi_element_branches_splits_equally() -> None:
    hist = history(A=[1.0, 3.0], B=[1.0, 1.0], C=[1.0, 1.0], D=[1.0, 1.0])
    node = If(cond(price("A"), ">", 2.0), WeightEqual((B, C, D)), WeightEqual((B, C)))
    assert rows(node, hist) == approx_rows(
        [{"B": 0.5, "C": 0.5}, {"B": 1 / 3, "C": 1 / 3, "D": 1 / 3}]
    )


def test_undefined_condition_on_the_taken_path_makes_the_date_undefined() -> None:
    # A's 3-day moving average is undefined on the first two dates.
    hist = history(A=[1.0, 2.0, 3.0, 4.0], B=[1.0] * 4, C=[1.0] * 4)
    node = If(cond(ind(Metric.MOVING_AVERAGE_PRICE, "A", 3), ">", 1.5), B, C)
    assert rows(node, hist) == [None, None, {"B": 1.0}, {"B": 1.0}]


def test_undefined_condition_on_a_branch_not_taken_is_irrelevant() -> None:
    # Outer: A > 1.5 → B; else → inner if on the 3-day MA of A (undefined before date 2).
    hist = history(A=[2.0, 1.0, 1.0, 2.0, 1.0], B=[1.0] * 5, C=[1.0] * 5, D=[1.0] * 5)
    inner = If(cond(ind(Metric.MOVING_AVERAGE_PRICE, "A", 3), ">", 1.2), C, D)
    node = If(cond(price("A"), ">", 1.5), B, inner)
    # date 0: outer true → B (inner undefined, not taken); date 1: outer false, MA undefined →
    # undefined; date 2: MA=4/3>1.2 → C; date 3: outer true → B; date 4: MA=4/3 → C.
    assert rows(node, hist) == [{"B": 1.0}, None, {"C": 1.0}, {"B": 1.0}, {"C": 1.0}]


def test_a_missing_asset_price_undefines_only_dates_that_hold_it() -> None:
    hist = history(A=[1.0, 3.0, 1.0], B=[NAN, NAN, 1.0], C=[1.0] * 3)
    node = If(cond(price("A"), ">", 2.0), B, C)
    assert rows(node, hist) == [{"C": 1.0}, None, {"C": 1.0}]


def test_if_two_indicators_against_each_other() -> None:
    hist = history(A=[1.0, 2.0, 4.0], B=[1.0, 3.0, 3.0], C=[1.0] * 3, D=[1.0] * 3)
    node = If(
        cond(ind(Metric.CUMULATIVE_RETURN, "A", 1), ">", ind(Metric.CUMULATIVE_RETURN, "B", 1)),
        C,
        D,
    )
    # date 1: A +100 % vs B +200 % → D; date 2: A +100 % vs B 0 % → C.
    assert rows(node, hist) == [None, {"D": 1.0}, {"C": 1.0}]


# -- filter over assets ---------------------------------------------------------------------------
def test_filter_top_and_bottom_by_daily_return() -> None:
    hist = history(A=[1.0, 1.1, 1.1], B=[1.0, 1.2, 1.0], C=[1.0, 0.9, 1.2])
    top = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 1, (A, B, C))
    bottom = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.BOTTOM, 2, (A, B, C))
    # date 1 returns A +10 %, B +20 %, C −10 %; date 2 A 0 %, B −16.7 %, C +33 %.
    assert rows(top, hist) == [None, {"B": 1.0}, {"C": 1.0}]
    assert rows(bottom, hist) == [None, {"A": 0.5, "C": 0.5}, {"A": 0.5, "B": 0.5}]


def test_filter_ties_keep_written_order() -> None:
    hist = history(A=[1.0, 2.0], B=[1.0, 2.0], C=[1.0, 2.0])
    metric = ind(Metric.CUMULATIVE_RETURN, None, 1)
    assert rows(Filter(metric, Selection.TOP, 1, (B, C, A)), hist)[1] == {"B": 1.0}
    assert rows(Filter(metric, Selection.BOTTOM, 2, (C, A, B)), hist)[1] == {"C": 0.5, "A": 0.5}


def test_filter_count_above_candidates_keeps_all() -> None:
    hist = history(A=[1.0, 2.0], B=[1.0, 3.0])
    node = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 5, (A, B))
    assert rows(node, hist)[1] == {"A": 0.5, "B": 0.5}


def test_filter_excludes_candidates_with_undefined_metric() -> None:
    hist = history(A=[1.0, 1.1, 1.2, 1.3], B=[NAN, NAN, 5.0, 6.0])
    node = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 2, (A, B))
    # B has no return until date 3; no candidate has one on date 0 → undefined.
    assert rows(node, hist) == [None, {"A": 1.0}, {"A": 1.0}, {"A": 0.5, "B": 0.5}]


def test_select_bottom_max_drawdown_picks_the_smallest_drawdown() -> None:
    hist = history(A=[10.0, 5.0, 6.0], B=[10.0, 9.0, 9.5], C=[10.0, 11.0, 12.0])
    node = Filter(ind(Metric.MAX_DRAWDOWN, None, 3), Selection.BOTTOM, 1, (A, B, C))
    assert rows(node, hist)[2] == {"C": 1.0}  # drawdowns 50 %, 10 %, 0 %
    top = Filter(ind(Metric.MAX_DRAWDOWN, None, 3), Selection.TOP, 1, (A, B, C))
    assert rows(top, hist)[2] == {"A": 1.0}


def test_filter_without_candidates_is_empty() -> None:
    node = Filter(ind(Metric.RSI, None, 2), Selection.TOP, 1, ())
    assert rows(node, history(A=[1.0, 2.0])) == [{}, {}]


def test_filter_whose_chosen_candidates_are_all_empty_is_empty() -> None:
    hist = history(A=[1.0, 1.0, 1.0])
    node = Filter(
        ind(Metric.STDEV_RETURN, None, 1), Selection.TOP, 1, (Empty(), Group("e", Empty()))
    )
    assert rows(node, hist) == [None, {}, {}]


def test_filter_drops_an_empty_chosen_candidate_and_renormalises() -> None:
    hist = history(A=[1.0, 2.0, 2.0], B=[1.0, 1.0, 1.0])
    empty_then_b = If(cond(price("A"), ">", 1.5), Empty(), B)
    node = Filter(ind(Metric.MOVING_AVERAGE_RETURN, None, 1), Selection.TOP, 2, (empty_then_b, A))
    # date 1: both chosen (two candidates, K=2); the If holds nothing → A takes everything.
    assert rows(node, hist)[1] == {"A": 1.0}


def test_filter_is_undefined_when_a_chosen_candidate_is() -> None:
    # X holds A while C's price is known; on date 2 C is missing, so X's allocation is undefined
    # although its score (the return of what it held on date 1) is known.
    hist = history(A=[1.0, 2.0, 4.0, 8.0], B=[1.0, 1.0, 1.0, 1.0], C=[1.0, 1.0, NAN, 1.0])
    x = Group("x", If(cond(price("C"), ">", 0.5), A, B))
    metric = ind(Metric.CUMULATIVE_RETURN, None, 1)
    top = Filter(metric, Selection.TOP, 1, (x, B))
    # d1: X +100 % → A; d2: X chosen but undefined → undefined; d3: X has no return → B.
    assert rows(top, hist) == [None, {"A": 1.0}, None, {"B": 1.0}]
    bottom = Filter(metric, Selection.BOTTOM, 1, (x, B))
    assert rows(bottom, hist) == [None, {"B": 1.0}, {"B": 1.0}, {"B": 1.0}]


# -- filters over groups: each child's own simulated return stream --------------------------------
def test_filter_over_two_groups_with_known_return_streams() -> None:
    # G1 = ½A + ½B: A +10 %/day, B flat → G1 earns 5 %/day.  G2 = C: +9 %/day, then −9 %.
    a = geometric(100.0, 0.10, 0.10, 0.10, 0.10)
    b = [100.0] * 5
    c = geometric(100.0, 0.09, 0.09, -0.09, -0.09)
    hist = history(A=a, B=b, C=c)
    g1 = Group("half A half B", WeightEqual((A, B)))
    g2 = Group("just C", WeightEqual((C, Empty())))
    node = Filter(ind(Metric.CUMULATIVE_RETURN, None, 2), Selection.TOP, 1, (g1, g2))
    # cum-return 2 on date 2: G1 1.05²−1 = 10.25 %, C 1.09²−1 = 18.81 % → C.
    # date 3: G1 10.25 %, C (1.09·0.91)−1 = −0.81 % → G1.   date 4: G1 again.
    assert rows(node, hist) == [None, None, {"C": 1.0}, {"A": 0.5, "B": 0.5}, {"A": 0.5, "B": 0.5}]


def test_price_metrics_of_a_group_use_its_equity_curve() -> None:
    # G earns exactly 5 %/day: equity 1, 1.05, 1.1025, 1.157625 from its first defined close.
    hist = history(A=geometric(100.0, 0.10, 0.10, 0.10), B=[100.0] * 4, C=[1.06] * 4)
    g = Group("g", WeightEqual((A, B)))
    # moving-average-price 3 of G on date 2: (1 + 1.05 + 1.1025) / 3 = 1.0508333…
    above = Filter(ind(Metric.MOVING_AVERAGE_PRICE, None, 3), Selection.TOP, 1, (g, C))
    below = Filter(ind(Metric.CURRENT_PRICE, None, None), Selection.TOP, 1, (g, C))
    assert rows(above, hist)[2] == {"C": 1.0}  # 1.06 > 1.0508
    assert rows(below, hist)[2] == {"A": 0.5, "B": 0.5}  # 1.1025 > 1.06
    assert rows(below, hist)[1] == {"C": 1.0}  # 1.05 < 1.06


def test_group_stream_holds_yesterdays_allocation_through_today() -> None:
    # G switches: holds A when A's price > 1.5 (decided at the close), else B.
    a = [1.0, 2.0, 4.0, 2.0, 2.0]
    b = [1.0, 1.0, 1.0, 1.5, 1.5]
    hist = history(A=a, B=b, C=[1.0] * 5)
    g = Group("switch", If(cond(price("A"), ">", 1.5), A, B))
    # holdings: d0 B, d1 A, d2 A, d3 A, d4 A.  Returns: d1 from B: 0 %; d2 from A: +100 %;
    # d3 from A: −50 %; d4 from A: 0 %.  C is flat (0 %).
    node = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 1, (C, g))
    # d1: tie 0 % vs 0 % → C (written first); d2: G +100 % → A; d3: G −50 % → C; d4 tie → C.
    assert rows(node, hist) == [None, {"C": 1.0}, {"A": 1.0}, {"C": 1.0}, {"C": 1.0}]


def test_nested_group_filters() -> None:
    # Inner filter in G1 holds whichever of A, B rose more today (cum-return 1).
    # A: +10 %, −10 %, +10 %, −10 %   B: −5 %, +5 %, −5 %, +5 %
    a = geometric(100.0, 0.10, -0.10, 0.10, -0.10)
    b = geometric(100.0, -0.05, 0.05, -0.05, 0.05)
    c = geometric(100.0, 0.01, 0.01, 0.01, 0.01)
    hist = history(A=a, B=b, C=c)
    inner = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 1, (A, B))
    g1 = Group("momentum", inner)
    # inner picks A on d1, B on d2, A on d3, B on d4.  G1 earns on d2 A's −10 %, on d3 B's −5 %,
    # on d4 A's −10 %.  C earns +1 % every day.
    outer = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.BOTTOM, 1, (g1, C))
    result = rows(outer, hist)
    assert result[0] is None
    assert result[1] == {"C": 1.0}  # only C has a return on d1 (G1 is first defined on d1)
    assert result[2] == {"B": 1.0}  # G1 −10 % < C +1 % → G1, which holds B on d2
    assert result[3] == {"A": 1.0}  # G1 −5 % → G1 holds A
    assert result[4] == {"B": 1.0}


# -- inverse volatility ---------------------------------------------------------------------------
def test_inverse_volatility_over_assets() -> None:
    # σ2 of A's returns (+2 %, −2 %) = 2 %; B's (+1 %, −1 %) = 1 % → A 1/3, B 2/3.
    hist = history(A=geometric(100.0, 0.02, -0.02), B=geometric(50.0, 0.01, -0.01))
    node = WeightInverseVolatility(2, (A, B))
    assert rows(node, hist) == approx_rows([None, None, {"A": 1 / 3, "B": 2 / 3}])


def test_inverse_volatility_over_groups_uses_their_streams() -> None:
    # G = ½A + ½B with A ±4 %, B flat → G ±2 % → σ 2 %.  C ±1 % → σ 1 %.
    hist = history(A=geometric(100.0, 0.04, -0.04), B=[7.0] * 3, C=geometric(20.0, 0.01, -0.01))
    node = WeightInverseVolatility(2, (Group("g", WeightEqual((A, B))), C))
    assert rows(node, hist)[2] == pytest.approx({"A": 1 / 6, "B": 1 / 6, "C": 2 / 3}, abs=1e-12)


def test_inverse_volatility_zero_sigma_takes_the_node() -> None:
    hist = history(A=geometric(100.0, 0.02, -0.02), B=[3.0] * 3, C=[4.0] * 3)
    assert rows(WeightInverseVolatility(2, (A, B, C)), hist)[2] == {"B": 0.5, "C": 0.5}


def test_inverse_volatility_undefined_without_enough_history() -> None:
    hist = history(A=geometric(100.0, 0.02, -0.02, 0.01), B=[NAN, 3.0, 3.1, 3.0])
    result = rows(WeightInverseVolatility(2, (A, B)), hist)
    assert result[:3] == [None, None, None]
    assert result[3] is not None


# -- whole-tree properties ------------------------------------------------------------------------
def test_a_symphony_evaluates_through_its_root() -> None:
    hist = history(A=[1.0, 2.0])
    symphony = Symphony("s", WeightEqual((A, Empty())))
    assert evaluate(symphony, hist).weights_on() == {"A": 1.0}


def test_deep_nesting_does_not_recurse() -> None:
    hist = history(A=[1.0, 2.0], B=[1.0, 1.0])
    node: Node = A
    for depth in range(5000):
        node = If(cond(price("A"), ">", float(depth % 3)), node, Group(f"g{depth}", B))
    assert evaluate(node, hist).defined.all()


def test_missing_ticker_in_history_names_it() -> None:
    hist = history(A=[1.0])
    node = If(cond(price("ZZZ"), ">", 1.0), A, Asset("QQQ"))
    with pytest.raises(DataError, match="QQQ, ZZZ"):
        evaluate(node, hist)


def test_filter_metric_inside_a_condition_needs_a_ticker() -> None:
    node = If(cond(Indicator(Metric.RSI, None, 2), ">", 1.0), A, B)
    with pytest.raises(StrategyError, match="without a ticker"):
        evaluate(node, history(A=[1.0], B=[1.0]))


def test_required_tickers_lists_assets_and_indicator_tickers() -> None:
    node = If(
        cond(ind(Metric.RSI, "SPY", 10), ">", price("QQQ")),
        A,
        Filter(ind(Metric.RSI, None, 5), Selection.TOP, 1, (B, C)),
    )
    assert required_tickers(Symphony("s", node)) == {"SPY", "QQQ", "A", "B", "C"}


def test_today_is_the_last_row_and_undefined_raises() -> None:
    hist = history(A=[1.0, 2.0, 3.0], B=[1.0] * 3)
    node = If(cond(ind(Metric.MOVING_AVERAGE_PRICE, "A", 2), ">", 2.0), A, B)
    matrix = evaluate(node, hist)
    assert matrix.weights_on() == {"A": 1.0}
    with pytest.raises(SignalUndefinedError):
        matrix.weights_on(np.datetime64("2024-01-01").astype(object))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([1.0, 2.0, 3.0, NAN]), min_size=5, max_size=5),
        min_size=1,
        max_size=9,
    ),
    st.integers(1, 10),
    st.sampled_from(list(Selection)),
)
def test_filter_selection_with_many_ties_equals_a_stable_sort(
    columns: list[list[float]], count: int, selection: Selection
) -> None:
    names = [f"T{i}" for i in range(len(columns))]
    hist = history(**dict(zip(names, columns, strict=True)))
    node = Filter(price_metric(), selection, count, tuple(Asset(n) for n in names))
    result = rows(node, hist)
    for day in range(5):
        prices = {n: col[day] for n, col in zip(names, columns, strict=True)}
        eligible = [n for n in names if not np.isnan(prices[n])]
        if not eligible:
            assert result[day] is None
            continue
        sign = -1.0 if selection is Selection.TOP else 1.0
        chosen = sorted(eligible, key=lambda n: sign * prices[n])[:count]
        assert result[day] == pytest.approx({n: 1 / len(chosen) for n in chosen})


def price_metric() -> Indicator:
    return Indicator(Metric.CURRENT_PRICE, None, None)


def test_identical_subtrees_are_evaluated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from alchemiser.domain.symphony import evaluator

    calls: list[str] = []
    for name in ("compute_indicator", "compute_return_indicator"):
        real = getattr(evaluator, name)

        def counting(metric: Metric, series: np.ndarray, window: int | None, _real=real, **kw):  # type: ignore[no-untyped-def]
            calls.append(str(metric))
            return _real(metric, series, window, **kw)

        monkeypatch.setattr(evaluator, name, counting)
    hist = history(
        A=geometric(1.0, 0.1, -0.1, 0.2), B=[1.0] * 4, C=geometric(1.0, 0.05, 0.05, 0.05)
    )

    def chooser(first: str, second: str) -> Filter:
        g1 = Group(first, WeightEqual((A, B)))
        g2 = Group(second, WeightEqual((C, B)))
        return Filter(ind(Metric.STDEV_RETURN, None, 2), Selection.TOP, 1, (g1, g2))

    # The same chooser three times, under different group names: one evaluation, two equity
    # curves scored once each.
    node = WeightEqual((chooser("x", "y"), Group("z", chooser("p", "q")), chooser("x", "y")))
    evaluate(node, hist)
    assert calls == ["stdev-return", "stdev-return"]


def test_a_day_after_holding_nothing_earns_zero_in_the_stream() -> None:
    # X holds nothing on d0 (A > 1.5 → empty), so its return on d1 is 0 %, beating C's −10 %.
    hist = history(A=[2.0, 1.0], B=[1.0, 1.0], C=[1.0, 0.9])
    x = Group("x", If(cond(price("A"), ">", 1.5), Empty(), B))
    node = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 1, (C, x))
    assert rows(node, hist) == [None, {"B": 1.0}]
