"""Explanations show the path taken, with both sides of each condition and each filter ranking."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alchemiser.domain.errors import SignalUndefinedError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.symphony.evaluator import evaluate
from alchemiser.domain.symphony.explain import explain, render_explanation
from alchemiser.domain.symphony.tree import (
    Asset,
    Filter,
    Group,
    If,
    Metric,
    Node,
    Selection,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
)
from tests.symphony.evaluation._build import cond, geometric, history, ind, price
from tests.symphony.evaluation.test_reference_model import SESSIONS, histories, trees

A, B, C = Asset("A"), Asset("B"), Asset("C")


def tree() -> Symphony:
    pick = Filter(ind(Metric.CUMULATIVE_RETURN, None, 1), Selection.TOP, 1, (A, B, C))
    root = If(
        cond(ind(Metric.MOVING_AVERAGE_PRICE, "A", 2), ">", 1.5),
        Group("momentum", pick),
        WeightEqual((B, C)),
    )
    return Symphony("demo", root)


def test_explanation_follows_the_taken_branch_with_values() -> None:
    hist = history(A=[1.0, 2.0, 2.2], B=[1.0, 1.0, 1.5], C=[1.0, 1.0, 0.9])
    steps = explain(tree(), hist, dt.date(2024, 1, 3))
    kinds = [s.kind for s in steps]
    assert kinds == ["if", "group", "filter", "asset"]
    condition = steps[0].details
    assert condition["lhs"] == pytest.approx(2.1)  # (2.0 + 2.2) / 2
    assert condition["rhs"] == 1.5
    assert condition["branch"] == "then"
    ranking = steps[2].details["ranking"]
    assert [r["candidate"] for r in ranking] == ["B", "A", "C"]  # +50 %, +10 %, −10 %
    assert [r["chosen"] for r in ranking] == [True, False, False]
    assert ranking[0]["score"] == pytest.approx(50.0)
    assert steps[3].summary.startswith("B")
    assert steps[3].share == 1.0
    assert evaluate(tree(), hist).weights_on() == {"B": 1.0}


def test_explanation_of_the_else_branch_lists_the_split() -> None:
    hist = history(A=[1.0, 1.0, 1.2], B=[1.0, 1.0, 1.5], C=[1.0, 1.0, 0.9])
    steps = explain(tree(), hist)
    assert steps[0].details["branch"] == "else"
    assert [s.kind for s in steps] == ["if", "weight-equal", "asset", "asset"]
    assert [s.share for s in steps[2:]] == [0.5, 0.5]


def test_explanation_of_an_undefined_date_says_which_condition() -> None:
    hist = history(A=[1.0, 2.0], B=[1.0, 1.0], C=[1.0, 1.0])
    steps = explain(tree(), hist, dt.date(2024, 1, 1))
    assert len(steps) == 1
    assert steps[0].details["result"] is None
    assert steps[0].details["lhs"] is None
    assert "undefined" in steps[0].summary


def test_inverse_volatility_step_shows_sigmas() -> None:
    hist = history(A=geometric(100.0, 0.02, -0.02), B=geometric(50.0, 0.01, -0.01))
    (step, *_) = explain(WeightInverseVolatility(2, (A, B)), hist)
    children = step.details["children"]
    assert [c["sigma"] for c in children] == pytest.approx([2.0, 1.0])
    assert [c["fraction"] for c in children] == pytest.approx([1 / 3, 2 / 3])


def test_explanation_is_json_serialisable_and_printable() -> None:
    hist = history(A=[1.0, 2.0, 2.2], B=[1.0, 1.0, 1.5], C=[1.0, 1.0, 0.9])
    steps = explain(tree(), hist)
    text = json.dumps([s.as_dict() for s in steps])
    assert "cumulative-return(1)" in text
    rendered = render_explanation(steps)
    assert "if moving-average-price(A, 2) > 1.5: 2.1 > 1.5 is true → then" in rendered
    assert "\n      B" in rendered  # depth 3 → indented


def test_explain_before_the_history_starts_is_an_error() -> None:
    with pytest.raises(SignalUndefinedError):
        explain(tree(), history(A=[1.0], B=[1.0], C=[1.0]), dt.date(2023, 1, 1))


def test_explain_marks_the_taken_branch_with_a_condition_on_a_price() -> None:
    hist = history(A=[3.0], B=[1.0], C=[1.0])
    steps = explain(If(cond(price("A"), ">=", 3.0), B, C), hist)
    assert steps[0].details["result"] is True
    assert steps[1].summary.startswith("B")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees, histories(), st.integers(0, SESSIONS - 1))
def test_asset_steps_of_an_explanation_add_up_to_the_allocation(
    node: Node, hist: PriceHistory, day: int
) -> None:
    matrix = evaluate(node, hist)
    date = dt.date.fromisoformat(str(hist.dates[day]))
    steps = explain(node, hist, date)
    assert steps[0].defined == bool(matrix.defined[day])
    if not matrix.defined[day]:
        return
    held: dict[str, float] = {}
    for step in steps:
        if step.kind == "asset" and step.share > 0:
            ticker = str(step.details["ticker"])
            held[ticker] = held.get(ticker, 0.0) + step.share
    expected = {t: float(w) for t, w in zip(matrix.tickers, matrix.weights[day], strict=True) if w}
    assert held == pytest.approx(expected, abs=1e-12)
