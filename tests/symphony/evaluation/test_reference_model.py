"""The vectorised evaluator against a plain per-date reference written straight from SPEC §2.3.

The reference walks the tree separately for each date, computes indicators from the closes (or
the child's equity curve) up to that date with simple formulas (TA-Lib for RSI and EMA), and
builds group return streams day by day. Hypothesis generates trees and prices; every date must
agree. Dates whose decision hinges on a near-tie (|difference| < 1e-9) are skipped: there the
two implementations may legitimately round differently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import talib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.symphony.evaluator import evaluate
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
    Selection,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
)

TICKERS = ("A", "B", "C", "D")
SESSIONS = 45
TIE = 1e-9
METRICS = [m for m in Metric if "oscillator" not in m]

Alloc = dict[str, float] | None


@dataclass
class Decision:
    alloc: Alloc
    fragile: bool


class Reference:
    def __init__(self, closes: dict[str, np.ndarray]) -> None:
        self.closes = closes
        self.memo: dict[tuple[int, int], Decision] = {}
        self.series_memo: dict[int, np.ndarray] = {}
        self.run_starts: dict[int, list[int]] = {}

    # -- allocation -------------------------------------------------------------------------------
    def at(self, node: Node, t: int) -> Decision:
        key = (id(node), t)
        if key not in self.memo:
            self.memo[key] = self._at(node, t)
        return self.memo[key]

    def _at(self, node: Node, t: int) -> Decision:
        if isinstance(node, Asset):
            ok = math.isfinite(self.closes[node.ticker][t])
            return Decision({node.ticker: 1.0} if ok else None, False)
        if isinstance(node, Empty):
            return Decision({}, False)
        if isinstance(node, Group):
            return self.at(node.child, t)
        if isinstance(node, WeightEqual):
            return self._weighted([1.0] * len(node.nodes), node.nodes, t)
        if isinstance(node, WeightSpecified):
            return self._weighted(list(node.weights), node.nodes, t)
        if isinstance(node, If):
            lhs, rhs = self._operand(node.condition.lhs, t), self._operand(node.condition.rhs, t)
            if math.isnan(lhs) or math.isnan(rhs):
                return Decision(None, False)
            truth = {
                Comparator.GT: lhs > rhs,
                Comparator.GTE: lhs >= rhs,
                Comparator.LT: lhs < rhs,
                Comparator.LTE: lhs <= rhs,
                Comparator.EQ: lhs == rhs,
            }[node.condition.comparator]
            taken = self.at(node.then if truth else node.otherwise, t)
            return Decision(taken.alloc, taken.fragile or abs(lhs - rhs) < TIE)
        if isinstance(node, Filter):
            return self._filter(node, t)
        assert isinstance(node, WeightInverseVolatility)
        return self._inverse_vol(node, t)

    def _weighted(self, weights: list[float], children: tuple[Node, ...], t: int) -> Decision:
        parts, fragile = [], False
        for w, child in zip(weights, children, strict=True):
            if w > 0:
                d = self.at(child, t)
                if d.alloc is None:
                    return Decision(None, False)
                fragile |= d.fragile
                if d.alloc:
                    parts.append((w, d.alloc))
        total = sum(w for w, _ in parts)
        out: dict[str, float] = {}
        for w, alloc in parts:
            for ticker, x in alloc.items():
                out[ticker] = out.get(ticker, 0.0) + x * (w / total)
        return Decision(out, fragile)

    def _filter(self, node: Filter, t: int) -> Decision:
        if not node.candidates:
            return Decision({}, False)
        scores = [self.metric(c, node.metric, t) for c in node.candidates]
        eligible = [i for i, s in enumerate(scores) if not math.isnan(s)]
        if not eligible:
            return Decision(None, False)
        sign = -1.0 if node.selection is Selection.TOP else 1.0
        ranked = sorted(eligible, key=lambda i: sign * scores[i])
        k = min(node.count, len(ranked))
        fragile = k < len(ranked) and abs(scores[ranked[k - 1]] - scores[ranked[k]]) < TIE
        chosen = [self.at(node.candidates[i], t) for i in ranked[:k]]
        if any(d.alloc is None for d in chosen):
            return Decision(None, False)
        held = [d.alloc for d in chosen if d.alloc]
        out: dict[str, float] = {}
        for alloc in held:
            for ticker, x in alloc.items():
                out[ticker] = out.get(ticker, 0.0) + x / len(held)
        return Decision(out, fragile or any(d.fragile for d in chosen))

    def _inverse_vol(self, node: WeightInverseVolatility, t: int) -> Decision:
        decisions = [self.at(c, t) for c in node.nodes]
        if any(d.alloc is None for d in decisions):
            return Decision(None, False)
        metric = Indicator(Metric.STDEV_RETURN, None, node.window)
        inverse = []
        for child, d in zip(node.nodes, decisions, strict=True):
            if not d.alloc:
                inverse.append(0.0)
                continue
            sigma = self.metric(child, metric, t)
            if math.isnan(sigma):
                return Decision(None, False)
            inverse.append(math.inf if sigma == 0 else 1.0 / sigma)
        if any(math.isinf(x) for x in inverse):
            inverse = [1.0 if math.isinf(x) else 0.0 for x in inverse]
        total = sum(inverse)
        out: dict[str, float] = {}
        for x, d in zip(inverse, decisions, strict=True):
            for ticker, w in (d.alloc or {}).items():
                out[ticker] = out.get(ticker, 0.0) + w * (x / total)
        return Decision(out, any(d.fragile for d in decisions))

    # -- indicators -------------------------------------------------------------------------------
    def _operand(self, operand: Indicator | float, t: int) -> float:
        if isinstance(operand, Indicator):
            assert operand.ticker is not None
            return value_at(self.closes[operand.ticker], operand, t)
        return float(operand)

    def metric(self, candidate: Node, metric: Indicator, t: int) -> float:
        series = self.series(candidate)
        # an equity curve's runs are separate even when a restart directly follows a run
        first = max((s for s in self.run_starts.get(id(candidate), []) if s <= t), default=0)
        return value_at(series[first:], metric, t - first)

    def series(self, node: Node) -> np.ndarray:
        inner = node
        while True:
            if isinstance(inner, Asset):
                return self.closes[inner.ticker]
            if isinstance(inner, Group):
                inner = inner.child
            elif one_child(inner):
                inner = inner.children[0]
            else:
                break
        if id(node) not in self.series_memo:
            self.series_memo[id(node)] = self._equity(node)
        return self.series_memo[id(node)]

    def _equity(self, node: Node) -> np.ndarray:
        stream = [math.nan] * SESSIONS
        for s in range(1, SESSIONS):
            held = self.at(node, s - 1).alloc
            if held is None:
                continue
            total = 0.0
            for ticker in sorted(held):
                prices = self.closes[ticker]
                total += held[ticker] * (prices[s] / prices[s - 1] - 1.0)
            stream[s] = total
        # 1.0 on every defined day whose own return is unknown (the first defined day, or after
        # an unknown return); then compounding while the returns are known
        equity = [math.nan] * SESSIONS
        starts = self.run_starts.setdefault(id(node), [])
        for s in range(SESSIONS):
            if math.isnan(stream[s]):
                if self.at(node, s).alloc is not None:
                    starts.append(s)
                    equity[s] = 1.0
            else:
                equity[s] = equity[s - 1] * (1.0 + stream[s])
        return np.array(equity)


def one_child(node: Node) -> bool:
    """A weight node that always gives everything to its single child."""
    if isinstance(node, WeightSpecified):
        return len(node.nodes) == 1 and node.weights[0] > 0
    return isinstance(node, WeightEqual | WeightInverseVolatility) and len(node.nodes) == 1


def value_at(series: np.ndarray, indicator: Indicator, t: int) -> float:
    """The indicator on date t from the unbroken run of known values ending at t."""
    if not math.isfinite(series[t]):
        return math.nan
    start = t
    while start > 0 and math.isfinite(series[start - 1]):
        start -= 1
    run = series[start : t + 1]
    n = indicator.window or 0
    returns = run[1:] / run[:-1] - 1.0
    metric = indicator.metric
    if metric is Metric.CURRENT_PRICE:
        return float(run[-1])
    if metric in (Metric.MOVING_AVERAGE_PRICE, Metric.STDEV_PRICE, Metric.MAX_DRAWDOWN):
        if len(run) < n:
            return math.nan
        last = run[-n:]
        if metric is Metric.MOVING_AVERAGE_PRICE:
            return float(np.mean(last))
        if metric is Metric.STDEV_PRICE:
            return float(np.std(last))
        return max((1 - last[i] / max(last[: i + 1])) * 100 for i in range(n))
    if metric is Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE:
        if len(run) < n:
            return math.nan
        return float(run[-1]) if n == 1 else float(talib.EMA(run, n)[-1])  # α = 1 when N = 1
    if len(run) < n + 1:
        return math.nan
    if metric is Metric.RSI:
        if not np.any(np.diff(run)):
            return 50.0  # flat: TA-Lib says 0, SPEC §3 says 50
        if n == 1:  # TA-Lib needs N ≥ 2; with N = 1 the averages are the last change
            change = run[-1] - run[-2]
            return 100.0 if change > 0 else 0.0 if change < 0 else 50.0
        return float(talib.RSI(run, n)[-1])
    if metric is Metric.CUMULATIVE_RETURN:
        return float((run[-1] / run[-1 - n] - 1) * 100)
    if metric is Metric.MOVING_AVERAGE_RETURN:
        return float(np.mean(returns[-n:]) * 100)
    assert metric is Metric.STDEV_RETURN
    return float(np.std(returns[-n:]) * 100)


# -- generators -----------------------------------------------------------------------------------
windows = st.integers(1, 6)
indicators = st.builds(
    lambda m, w: Indicator(m, None, None if m is Metric.CURRENT_PRICE else w),
    st.sampled_from(METRICS),
    windows,
)
ticker_indicators = st.builds(
    lambda ind, t: Indicator(ind.metric, t, ind.window), indicators, st.sampled_from(TICKERS)
)
conditions = st.builds(
    Condition,
    st.sampled_from(list(Comparator)),
    ticker_indicators,
    st.one_of(ticker_indicators, st.sampled_from([0.0, 1.0, 30.0, 50.0, 70.0, 100.0])),
)
leaves = st.one_of(st.sampled_from(TICKERS).map(Asset), st.just(Empty()))


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    many = st.lists(children, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(lambda c: Group("g", c), children),
        many.map(WeightEqual),
        many.flatmap(
            lambda kids: st.lists(
                st.sampled_from([0.0, 0.25, 0.5, 1.0, 0.6667000000000001]),
                min_size=len(kids),
                max_size=len(kids),
            ).map(lambda ws: WeightSpecified(tuple(ws), kids))
        ),
        st.builds(If, conditions, children, children),
        st.builds(Filter, indicators, st.sampled_from(list(Selection)), st.integers(1, 3), many),
        st.builds(WeightInverseVolatility, st.integers(1, 5), many),
    )


trees = st.recursive(leaves, _extend, max_leaves=10)


@st.composite
def histories(draw: st.DrawFn) -> PriceHistory:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    closes = {}
    for ticker in TICKERS:
        prices = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.03, SESSIONS)))
        listed = draw(st.integers(0, 8))
        prices[:listed] = np.nan
        if draw(st.booleans()) and draw(st.booleans()):
            prices[draw(st.integers(listed, SESSIONS - 1))] = np.nan  # a missing bar
        closes[ticker] = prices
    dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + SESSIONS)
    return PriceHistory.from_columns(dates, closes)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(trees, histories())
def test_vectorised_evaluation_matches_the_per_date_reference(
    tree: Node, hist: PriceHistory
) -> None:
    matrix = evaluate(tree, hist)
    reference = Reference({t: hist.closes(t) for t in hist.tickers})
    for t in range(SESSIONS):
        expected = reference.at(tree, t)
        if expected.fragile:
            continue
        assert bool(matrix.defined[t]) == (expected.alloc is not None), f"date {t}"
        got = {
            ticker: float(w)
            for ticker, w in zip(matrix.tickers, matrix.weights[t], strict=True)
            if w > 0
        }
        want = {k: v for k, v in (expected.alloc or {}).items() if v > 0}
        assert got.keys() == want.keys(), f"date {t}"
        for ticker, weight in want.items():
            assert math.isclose(got[ticker], weight, abs_tol=1e-9), f"date {t} {ticker}"
        if matrix.defined[t] and got:
            assert math.isclose(sum(got.values()), 1.0, abs_tol=1e-9)
