"""A small typed Python API that builds symphony trees readably.

Strategies written in Python read like the `.clj` form but can name and reuse sub-chains.
The builder normalises exactly as the parser does (a single-element branch or `equal` is the
element itself, thresholds are floats), so a tree built here and the same strategy parsed from a
file share one content digest, hence one allocation.

    if_(gt(rsi("SPY", 10), 79), then=asset("UVXY"), otherwise=[asset("BIL"), asset("SHY")])
    filter_(stdev_return(5), top(1), [variant_a, variant_b])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from alchemiser.domain.errors import StrategyError
from alchemiser.domain.symphony.tree import (
    Asset,
    Comparator,
    Condition,
    Filter,
    Group,
    If,
    Indicator,
    Metric,
    Node,
    Operand,
    Selection,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
)

Branch = Node | Sequence[Node]
"""An `if` branch or group body: one node, or several that are split equally (as in `.clj`)."""

__all__ = [
    "Branch",
    "Pick",
    "asset",
    "bottom",
    "cumulative_return",
    "current_price",
    "ema",
    "eq",
    "equal",
    "filter_",
    "first_match",
    "group",
    "gt",
    "gte",
    "if_",
    "inverse_vol",
    "lt",
    "lte",
    "max_drawdown",
    "moving_average_price",
    "moving_average_return",
    "rsi",
    "specified",
    "stdev_price",
    "stdev_return",
]


def _fail(message: str) -> StrategyError:
    return StrategyError(message, component="symphony.builder")


# --- nodes -------------------------------------------------------------------------------------


def asset(ticker: str, name: str | None = None) -> Asset:
    if not ticker or ticker != ticker.strip():
        raise _fail(f"invalid ticker {ticker!r}")
    return Asset(ticker, name)


def equal(*nodes: Node) -> Node:
    """Equal split; one node is returned as itself (the parser collapses it the same way)."""
    if not nodes:
        raise _fail("equal() needs at least one node")
    return nodes[0] if len(nodes) == 1 else WeightEqual(tuple(nodes))


def _node(branch: Branch) -> Node:
    if isinstance(branch, Sequence):
        return equal(*branch)
    return branch


def specified(*pairs: tuple[float, Node]) -> WeightSpecified:
    """Fixed fractions, written `specified((0.25, a), (0.75, b))`; kept exactly as given."""
    if not pairs:
        raise _fail("specified() needs at least one (weight, node) pair")
    weights = tuple(float(w) for w, _ in pairs)
    if any(not w >= 0.0 for w in weights):
        raise _fail(f"weights must be non-negative numbers, got {weights}")
    return WeightSpecified(weights, tuple(n for _, n in pairs))


def inverse_vol(window: int, nodes: Sequence[Node]) -> WeightInverseVolatility:
    if not nodes:
        raise _fail("inverse_vol() needs at least one node")
    return WeightInverseVolatility(_window(window), tuple(nodes))


def group(name: str, *body: Node) -> Group:
    """A named wrapper; the name documents, the digest ignores it."""
    return Group(name, equal(*body))


def if_(condition: Condition, then: Branch, otherwise: Branch) -> If:
    return If(condition, _node(then), _node(otherwise))


def first_match(*cases: tuple[Condition, Branch], otherwise: Branch) -> Node:
    """`if a: x elif b: y … else z` as the nested `if`s the language spells it."""
    node = _node(otherwise)
    for condition, then in reversed(cases):
        node = If(condition, _node(then), node)
    return node


@dataclass(frozen=True, slots=True)
class Pick:
    """Which end of a filter's ranking to keep, and how many."""

    selection: Selection
    count: int


def top(count: int) -> Pick:
    return Pick(Selection.TOP, _count(count))


def bottom(count: int) -> Pick:
    return Pick(Selection.BOTTOM, _count(count))


def filter_(metric: Indicator, pick: Pick, candidates: Sequence[Node]) -> Filter:
    """Rank `candidates` per date by `metric` (given without a ticker) and keep `pick`."""
    if metric.ticker is not None:
        raise _fail(f"a filter metric takes no ticker, got {metric.metric}({metric.ticker!r})")
    if not candidates:
        raise _fail("filter_() needs at least one candidate")
    return Filter(metric, pick.selection, pick.count, tuple(candidates))


def _window(window: int) -> int:
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise _fail(f"a window must be a positive whole number of sessions, got {window!r}")
    return window


def _count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _fail(f"a filter keeps a positive whole number of candidates, got {count!r}")
    return count


# --- indicators --------------------------------------------------------------------------------


class _WindowedMetric:
    """`rsi("SPY", 10)` in a condition; `rsi(10)` as a filter metric (no ticker)."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    @overload
    def __call__(self, ticker: str, window: int, /) -> Indicator: ...

    @overload
    def __call__(self, window: int, /) -> Indicator: ...

    def __call__(self, first: str | int, window: int | None = None, /) -> Indicator:
        if isinstance(first, str):
            if window is None:
                raise _fail(f"{self.metric}({first!r}) needs a window")
            return Indicator(self.metric, first, _window(window))
        if window is not None:
            raise _fail(f"{self.metric}: give (ticker, window) or (window)")
        return Indicator(self.metric, None, _window(first))

    def __repr__(self) -> str:
        return f"<indicator {self.metric}>"


rsi = _WindowedMetric(Metric.RSI)
moving_average_price = _WindowedMetric(Metric.MOVING_AVERAGE_PRICE)
ema = _WindowedMetric(Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE)
cumulative_return = _WindowedMetric(Metric.CUMULATIVE_RETURN)
moving_average_return = _WindowedMetric(Metric.MOVING_AVERAGE_RETURN)
stdev_return = _WindowedMetric(Metric.STDEV_RETURN)
stdev_price = _WindowedMetric(Metric.STDEV_PRICE)
max_drawdown = _WindowedMetric(Metric.MAX_DRAWDOWN)


def current_price(ticker: str | None = None) -> Indicator:
    """The close (decision-time price live); no window."""
    return Indicator(Metric.CURRENT_PRICE, ticker, None)


# --- comparisons -------------------------------------------------------------------------------


def _compare(comparator: Comparator, lhs: Operand, rhs: Operand) -> Condition:
    def operand(op: Operand) -> Operand:
        if isinstance(op, Indicator):
            if op.ticker is None:
                raise _fail(f"a comparison needs a ticker for {op.metric}")
            return op
        return float(op)

    return Condition(comparator, operand(lhs), operand(rhs))


def gt(lhs: Operand, rhs: Operand) -> Condition:
    return _compare(Comparator.GT, lhs, rhs)


def gte(lhs: Operand, rhs: Operand) -> Condition:
    return _compare(Comparator.GTE, lhs, rhs)


def lt(lhs: Operand, rhs: Operand) -> Condition:
    return _compare(Comparator.LT, lhs, rhs)


def lte(lhs: Operand, rhs: Operand) -> Condition:
    return _compare(Comparator.LTE, lhs, rhs)


def eq(lhs: Operand, rhs: Operand) -> Condition:
    return _compare(Comparator.EQ, lhs, rhs)
