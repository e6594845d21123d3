"""Regression tests for defects found in review, each with a hand-computed answer."""

from __future__ import annotations

from alchemiser.domain.symphony.evaluator import evaluate
from alchemiser.domain.symphony.tree import (
    Asset,
    Filter,
    Group,
    If,
    Metric,
    Node,
    Selection,
    WeightEqual,
)
from tests.symphony.evaluation._build import NAN, cond, geometric, history, ind, price

A, B, C = Asset("A"), Asset("B"), Asset("C")


def _rows(node: Node, hist) -> list[dict[str, float] | None]:  # type: ignore[no-untyped-def]
    matrix = evaluate(node, hist)
    return [
        {t: float(w) for t, w in zip(matrix.tickers, matrix.weights[i], strict=True) if w > 0}
        if matrix.defined[i]
        else None
        for i in range(len(matrix.dates))
    ]


def test_a_restarted_equity_curve_does_not_invent_a_return_across_the_restart() -> None:
    # G = ½A + ½B behind a condition on Z; Z has no close on date 2, so G is undefined on
    # date 2 only and its return on date 3 (held from date 2's unknown allocation) is unknown.
    # A and B fall 10 %/day: G's equity 1, 0.9, 0.81 | restart 1.0 (date 3), 0.9, 0.81.
    # C rises 1 %/day.  Filter by cumulative-return 1, top 1, over (G, C):
    #   d1: G −10 % vs C +1 % → C;  d2: G −10 % vs C → C;
    #   d3: G's return is unknown (NOT 1.0/0.81 − 1 = +23.5 %) → only C is scorable → C;
    #   d4, d5: G −10 % → C.
    falling = geometric(100.0, -0.10, -0.10, -0.10, -0.10, -0.10)
    hist = history(
        A=falling,
        B=falling,
        C=geometric(100.0, 0.01, 0.01, 0.01, 0.01, 0.01),
        Z=[1.0, 1.0, NAN, 1.0, 1.0, 1.0],
    )
    halves = WeightEqual((A, B))
    g = Group("g", If(cond(price("Z"), ">", 0.0), halves, halves))
    node = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 1, (g, C))
    assert _rows(node, hist) == [None] + [{"C": 1.0}] * 5


def test_an_equity_curve_starts_on_the_first_defined_day_without_looking_ahead() -> None:
    # G = ½A + ½B becomes defined on day 3 (Z has no close before). Its curve is 1.0 on day 3
    # whether or not day 4 is known yet; C costs 0.5. Filter by current price, top 1, over
    # (G, C): on day 3 G (1.0) beats C (0.5), in a backtest over five days and live on day 3.
    rising = geometric(100.0, 0.01, 0.01, 0.01, 0.01)
    closes = {"A": rising, "B": rising, "C": [0.5] * 5, "Z": [NAN, NAN, NAN, 1.0, 1.0]}
    halves = WeightEqual((A, B))
    g = Group("g", If(cond(price("Z"), ">", 0.0), halves, halves))
    node = Filter(ind(Metric.CURRENT_PRICE, None, None), Selection.TOP, 1, (g, C))
    backtest = _rows(node, history(**closes))
    live = _rows(node, history(**{t: v[:4] for t, v in closes.items()}))
    assert backtest[3] == live[3] == {"A": 0.5, "B": 0.5}
