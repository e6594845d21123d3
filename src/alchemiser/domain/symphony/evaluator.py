"""The vectorised evaluator of SPEC §2.3: every node's allocation for every date in one pass.

Each node becomes an `_Alloc`: a "defined" mask over dates plus a dense weights matrix over the
(few) tickers its subtree can hold, not over every ticker of the file, so files with hundreds of
tickers and thousands of nodes stay small. Identical subtrees (same content digest) are evaluated
once; a result is dropped as soon as every parent has consumed it. The traversal is an explicit
post-order walk because real trees nest 288 deep.

Filters and inverse volatility over non-asset children score each child on its own simulated
daily return stream (allocation decided at close t−1, held through t); price-type metrics see
the equity curve built from that stream. Undefined values stay undefined: a condition that cannot
be decided on a date makes the `if` undefined that date, and that spreads up the path taken.

Decisions where SPEC §2.3 is silent (each has a test in tests/symphony/evaluation):
- "empty" (defined, holds nothing) differs from "undefined"; a weight node is undefined when a
  child with weight > 0 is; a child with weight 0 never matters.
- filter: chosen candidates that hold nothing that day are dropped and the rest renormalised (as
  in weight-equal); a chosen candidate whose allocation is undefined makes the filter undefined;
  no scorable candidate → undefined; no candidates at all → empty.
- a child's return stream earns 0 on a day after it held nothing (cash); its equity curve starts
  at 1.0 on its first defined close and restarts after a day whose return cannot be known.
- a child that always holds one asset in full (through groups and one-child weight nodes) is
  scored on that asset's own closes, so price-type metrics keep the asset's price scale.
- inverse volatility: σ = 0 children share the node equally (the limit of 1/σ); an undefined σ
  of a child that holds something makes the node undefined.
- equal holdings give bit-identical scores (issue 19), so ties keep the written order: streams
  are summed in one fixed order, return-type metrics read only their window's returns, and a
  child that held one asset in full over the window takes that asset's own score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import DataError, StrategyError
from alchemiser.domain.market.price_history import FloatArray, PriceHistory
from alchemiser.domain.symphony.allocation import AllocationMatrix, BoolArray
from alchemiser.domain.symphony.indicators import (
    RETURN_METRICS,
    compute_indicator,
    compute_return_indicator,
)
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
    Operand,
    Selection,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
)

IntArray = npt.NDArray[np.intp]

__all__ = ["NodeTrace", "TracedEvaluation", "evaluate", "evaluate_traced", "required_tickers"]


def evaluate(target: Symphony | Node, history: PriceHistory) -> AllocationMatrix:
    """The allocation of `target` on every date of `history` (today's signal is the last row)."""
    return _Evaluator(history, trace_row=None).run(_root_of(target))


@dataclass(frozen=True, slots=True)
class NodeTrace:
    """What one node decided on the traced date, for explanations.

    `factors[i]` is the fraction of this node's allocation given to child i (0 when dropped);
    `lhs`/`rhs`/`truth` describe an `if` (truth None = undecidable); `scores`/`chosen` a filter;
    `sigmas` an inverse-volatility node (daily return σ in percent).
    """

    defined: bool
    factors: tuple[float, ...] = ()
    lhs: float | None = None
    rhs: float | None = None
    truth: bool | None = None
    scores: tuple[float, ...] = ()
    chosen: tuple[bool, ...] = ()
    sigmas: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class TracedEvaluation:
    """An evaluation plus, for one row, every evaluated node's decision keyed by digest."""

    allocation: AllocationMatrix
    row: int
    traces: dict[str, NodeTrace] = field(repr=False)


def evaluate_traced(target: Symphony | Node, history: PriceHistory, row: int) -> TracedEvaluation:
    """Like `evaluate`, and also record each node's decision on `row` (negative counts back)."""
    size = len(history)
    if not -size <= row < size:
        raise DataError(f"row {row} is outside the history of {size} sessions")
    row %= size
    evaluator = _Evaluator(history, trace_row=row)
    allocation = evaluator.run(_root_of(target))
    return TracedEvaluation(allocation, row, evaluator.traces)


def required_tickers(target: Symphony | Node) -> set[str]:
    """Every ticker the symphony may hold or reads an indicator of."""
    tickers: set[str] = set()
    seen: set[str] = set()
    stack: list[Node] = [_root_of(target)]
    while stack:
        node = stack.pop()
        if node.digest in seen:
            continue
        seen.add(node.digest)
        if isinstance(node, Asset):
            tickers.add(node.ticker)
        elif isinstance(node, If):
            for operand in (node.condition.lhs, node.condition.rhs):
                if isinstance(operand, Indicator) and operand.ticker is not None:
                    tickers.add(operand.ticker)
        stack.extend(node.children)
    return tickers


def _root_of(target: Symphony | Node) -> Node:
    return target.root if isinstance(target, Symphony) else target


# -- node results ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, slots=True)
class _Alloc:
    """One node's allocation: rows ≥ 0 summing to 1 where defined and non-empty, else zero."""

    defined: BoolArray
    cols: IntArray  # sorted column indices into the history's tickers
    weights: FloatArray  # dates × len(cols)
    nonempty: BoolArray


def _combine(parts: list[tuple[_Alloc, FloatArray]], defined: BoolArray) -> _Alloc:
    """Σ factor_t · child_t over the union of the children's tickers.

    Callers give factors that are 0 wherever the parent is undefined, and children are all-zero
    wherever they are undefined, so the result is zero there without a separate pass.
    """
    live = [(child, factor) for child, factor in parts if child.cols.size and factor.any()]
    nonempty = np.zeros(len(defined), dtype=bool)
    for child, factor in live:
        nonempty |= (factor > 0.0) & child.nonempty
    if not live:
        return _Alloc(defined, np.empty(0, dtype=np.intp), np.zeros((len(defined), 0)), nonempty)
    if len(live) == 1:
        child, factor = live[0]
        return _Alloc(defined, child.cols, child.weights * factor[:, None], nonempty)
    cols = np.unique(np.concatenate([child.cols for child, _ in live]))
    weights = np.zeros((len(cols), len(defined))).T  # column-major: children fill columns
    for child, factor in live:
        where = np.searchsorted(cols, child.cols)
        part = child.weights * factor[:, None]
        first, last = int(where[0]), int(where[-1])
        if last - first + 1 == len(where):
            weights[:, first : last + 1] += part
        else:
            weights[:, where] += part
    return _Alloc(defined, cols, weights, nonempty)


class _Evaluator:
    def __init__(self, history: PriceHistory, trace_row: int | None) -> None:
        self.history = history
        self.size = len(history)
        self.trace_row = trace_row
        self.traces: dict[str, NodeTrace] = {}
        self._returns: FloatArray | None = None
        self._indicators: dict[tuple[object, ...], FloatArray] = {}
        self._results: dict[str, _Alloc] = {}
        self._equity: dict[str, tuple[FloatArray, FloatArray, list[tuple[int, int]]]] = {}
        self._scores: dict[str, dict[str, FloatArray]] = {}

    # -- traversal --------------------------------------------------------------------------------
    def run(self, root: Node) -> AllocationMatrix:
        missing = sorted(t for t in required_tickers(root) if t not in self.history)
        if missing:
            raise DataError(
                f"no price history for {', '.join(missing)}",
                context={"tickers": missing, "source": self.history.source},
                suggested_action="Fetch history for every ticker the symphony uses.",
            )
        order, refs = _post_order(root)
        refs[root.digest] += 1  # the caller's reference keeps the root alive
        handlers = self._handlers()
        for node in order:
            self._results[node.digest] = handlers[type(node)](node)
            for child in node.children:
                refs[child.digest] -= 1
                if refs[child.digest] == 0:
                    self._release(child.digest)
        result = self._results[root.digest]
        tickers = tuple(self.history.tickers[i] for i in result.cols.tolist())
        return AllocationMatrix(self.history.dates, tickers, result.weights, result.defined)

    def _release(self, digest: str) -> None:
        self._results.pop(digest, None)
        self._equity.pop(digest, None)
        self._scores.pop(digest, None)

    def _handlers(self) -> dict[type, Callable[[Node], _Alloc]]:
        return {
            Asset: self._asset,
            Empty: self._empty,
            Group: self._group,
            WeightEqual: self._weight_equal,
            WeightSpecified: self._weight_specified,
            WeightInverseVolatility: self._inverse_volatility,
            If: self._if,
            Filter: self._filter,
        }

    def _trace(self, node: Node, defined: BoolArray, **fields: object) -> None:
        if self.trace_row is None:
            return
        row = self.trace_row
        self.traces[node.digest] = NodeTrace(defined=bool(defined[row]), **fields)  # type: ignore[arg-type]

    # -- leaves -----------------------------------------------------------------------------------
    def _asset(self, node: Node) -> _Alloc:
        assert isinstance(node, Asset)
        column = self.history.column_index(node.ticker)
        defined = np.isfinite(self.history.close[:, column])
        weights = defined.astype(np.float64)[:, None]
        self._trace(node, defined)
        return _Alloc(defined, np.array([column], dtype=np.intp), weights, defined.copy())

    def _empty(self, node: Node) -> _Alloc:
        defined = np.ones(self.size, dtype=bool)
        self._trace(node, defined)
        nothing = np.zeros(self.size, dtype=bool)
        return _Alloc(defined, np.empty(0, dtype=np.intp), np.zeros((self.size, 0)), nothing)

    def _group(self, node: Node) -> _Alloc:
        assert isinstance(node, Group)
        result = self._results[node.child.digest]
        if self.trace_row is not None:
            self._trace(
                node, result.defined, factors=(1.0 if result.nonempty[self.trace_row] else 0.0,)
            )
        return result

    # -- weight nodes -----------------------------------------------------------------------------
    def _weight_equal(self, node: Node) -> _Alloc:
        assert isinstance(node, WeightEqual)
        return self._weighted(node, node.nodes, [1.0] * len(node.nodes))

    def _weight_specified(self, node: Node) -> _Alloc:
        assert isinstance(node, WeightSpecified)
        return self._weighted(node, node.nodes, list(node.weights))

    def _weighted(self, node: Node, children: Iterable[Node], weights: list[float]) -> _Alloc:
        """Fixed fractions; empty children dropped and the rest renormalised (SPEC §2.3).

        A child with weight 0 can never receive anything, so it cannot make the node undefined.
        """
        kids = [self._results[c.digest] for c in children]
        defined = np.ones(self.size, dtype=bool)
        for kid, weight in zip(kids, weights, strict=True):
            if weight > 0.0:
                defined &= kid.defined
        raw = [
            np.where(kid.nonempty, weight, 0.0) if weight > 0.0 else None
            for kid, weight in zip(kids, weights, strict=True)
        ]
        total = np.zeros(self.size)
        for part in raw:
            if part is not None:
                total += part
        usable = defined & (total > 0.0)
        safe = np.where(usable, total, 1.0)
        factors = [
            np.zeros(self.size) if part is None else np.where(usable, part / safe, 0.0)
            for part in raw
        ]
        if self.trace_row is not None:
            row = self.trace_row
            self._trace(node, defined, factors=tuple(float(f[row]) for f in factors))
        return _combine(list(zip(kids, factors, strict=True)), defined)

    def _inverse_volatility(self, node: Node) -> _Alloc:
        """Weight ∝ 1/σ_N of each child's daily returns.

        Children with σ = 0 (a riskless stream) take the whole node equally, the limit of 1/σ;
        an undefined σ of a child that would hold something makes the node undefined.
        """
        assert isinstance(node, WeightInverseVolatility)
        kids = [self._results[c.digest] for c in node.nodes]
        sigmas = [
            self._score(child, Indicator(Metric.STDEV_RETURN, None, node.window))
            for child in node.nodes
        ]
        defined = np.ones(self.size, dtype=bool)
        active = []
        for kid, sigma in zip(kids, sigmas, strict=True):
            live = kid.defined & kid.nonempty
            defined &= kid.defined & (~live | np.isfinite(sigma))
            active.append(live)
        zero = [a & (s == 0.0) for a, s in zip(active, sigmas, strict=True)]
        any_zero = np.logical_or.reduce(zero) if zero else np.zeros(self.size, bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            inverse = [
                np.where(any_zero, z.astype(np.float64), np.where(a, 1.0 / s, 0.0))
                for a, s, z in zip(active, sigmas, zero, strict=True)
            ]
        total = np.zeros(self.size)
        for part in inverse:
            total += np.where(np.isfinite(part), part, 0.0)
        usable = defined & (total > 0.0)
        safe = np.where(usable, total, 1.0)
        factors = [np.where(usable, np.nan_to_num(part) / safe, 0.0) for part in inverse]
        if self.trace_row is not None:
            row = self.trace_row
            self._trace(
                node,
                defined,
                factors=tuple(float(f[row]) for f in factors),
                sigmas=tuple(float(s[row]) for s in sigmas),
            )
        return _combine(list(zip(kids, factors, strict=True)), defined)

    # -- if ---------------------------------------------------------------------------------------
    def _if(self, node: Node) -> _Alloc:
        assert isinstance(node, If)
        lhs = self._operand(node.condition.lhs, node)
        rhs = self._operand(node.condition.rhs, node)
        known = np.isfinite(lhs) & np.isfinite(rhs)
        with np.errstate(invalid="ignore"):
            truth = _COMPARE[node.condition.comparator](lhs, rhs) & known
        then = self._results[node.then.digest]
        otherwise = self._results[node.otherwise.digest]
        defined = known & np.where(truth, then.defined, otherwise.defined)
        take_then = (truth & defined).astype(np.float64)
        take_else = (~truth & defined).astype(np.float64)
        if self.trace_row is not None:
            row = self.trace_row
            self._trace(
                node,
                defined,
                lhs=float(lhs[row]),
                rhs=float(rhs[row]),
                truth=bool(truth[row]) if known[row] else None,
                factors=(float(take_then[row]), float(take_else[row])),
            )
        return _combine([(then, take_then), (otherwise, take_else)], defined)

    def _operand(self, operand: Operand, node: If) -> FloatArray:
        if not isinstance(operand, Indicator):
            return np.full(self.size, float(operand))
        if operand.ticker is None:
            raise StrategyError(
                f"the condition {_describe(node.condition)} has an indicator without a ticker",
                context={"position": node.position},
            )
        return self._ticker_indicator(operand, operand.ticker)

    # -- filter -----------------------------------------------------------------------------------
    def _filter(self, node: Node) -> _Alloc:
        """Rank candidates per date; undefined metrics are excluded; ties keep written order.

        The chosen K' = min(K, eligible) candidates get 1/K' each; chosen candidates that hold
        nothing that day are dropped and the rest renormalised, as in `weight-equal`. A chosen
        candidate whose own allocation is undefined makes the filter undefined; so does a date on
        which no candidate can be scored.
        """
        assert isinstance(node, Filter)
        if node.count < 1:
            raise StrategyError(
                f"filter select-{node.selection} needs a count of at least 1, got {node.count}",
                context={"position": node.position},
            )
        kids = [self._results[c.digest] for c in node.candidates]
        if not kids:
            return self._empty(node)
        scores = np.column_stack([self._score(c, node.metric) for c in node.candidates])
        eligible = np.isfinite(scores)
        signed = -scores if node.selection is Selection.TOP else scores
        chosen = _best(np.where(eligible, signed, np.inf), eligible, node.count)
        n_eligible = eligible.sum(axis=1)
        defined = n_eligible > 0
        active = np.zeros_like(chosen)
        for i, kid in enumerate(kids):
            defined &= ~chosen[:, i] | kid.defined
            active[:, i] = chosen[:, i] & kid.defined & kid.nonempty
        held = active.sum(axis=1)
        usable = defined & (held > 0)
        share = np.where(usable, 1.0 / np.maximum(held, 1), 0.0)
        factors = [np.where(active[:, i], share, 0.0) for i in range(len(kids))]
        if self.trace_row is not None:
            row = self.trace_row
            self._trace(
                node,
                defined,
                factors=tuple(float(f[row]) for f in factors),
                scores=tuple(float(s) for s in scores[row]),
                chosen=tuple(bool(c) for c in chosen[row]),
            )
        return _combine(list(zip(kids, factors, strict=True)), defined)

    # -- scores on candidates ---------------------------------------------------------------------
    def _score(self, child: Node, metric: Indicator) -> FloatArray:
        """`metric` of a child: on its price if it always holds one asset, else on its stream.

        Equal holdings must give bit-identical scores, so that a filter's ties keep the written
        order (SPEC §2.3); see `_return_score` and `_curve_score` for how each kind of metric
        guarantees it.
        """
        single = _single_asset(child)
        if single is not None:
            return self._ticker_indicator(metric, single.ticker)
        cache = self._scores.setdefault(child.digest, {})
        value = cache.get(metric.digest)
        if value is None:
            if metric.metric in RETURN_METRICS:
                value = self._return_score(child, metric)
            else:
                value = self._curve_score(child, metric)
            cache[metric.digest] = value
        return value

    def _return_score(self, child: Node, metric: Indicator) -> FloatArray:
        """A return-type metric from the returns inside each date's window, and nothing else.

        The stream is a function of the holdings of t−1 and the prices of t, summed the same
        way whatever the tree that produced the holdings (`_stream_of`), and each window is
        reduced on its own, so equal holdings over the window give equal bits.

        Where the child held one asset in full on every day the window depends on, it takes that
        asset's own score, exactly as the asset itself (or any other child holding it) gets:
        the asset's cumulative return and drawdown are ratios of its closes, which compounded
        returns reproduce only up to the last bits. (Its mean and σ of returns are computed from
        the very same returns, 1.0·r = r, so they already agree bit for bit.)
        """
        stream, curve, _ = self._stream_of(child)
        value = compute_return_indicator(
            metric.metric, stream, metric.window, valued=np.isfinite(curve)
        )
        assert metric.window is not None  # compute_return_indicator refuses a missing window
        if metric.metric not in (Metric.CUMULATIVE_RETURN, Metric.MAX_DRAWDOWN):
            return value
        # days of holdings the window depends on: N returns, or N − 1 for N closes of a drawdown
        rows = metric.window - 1 if metric.metric is Metric.MAX_DRAWDOWN else metric.window
        if rows < 1:
            return value
        steady = _held_throughout(self._sole_holding(child), rows)
        for column in np.unique(steady[steady >= 0]).tolist():
            own = self._ticker_indicator(metric, self.history.tickers[column])
            where = steady == column
            value[where] = own[where]
        return value

    def _curve_score(self, child: Node, metric: Indicator) -> FloatArray:
        """A price-type metric on the equity curve, computed piece by piece.

        The curve's level carries all its history, so these scores tie only when the holdings
        coincided since the curve started; then the curves are the same compounding of the same
        stream, bit for bit.
        """
        _, curve, pieces = self._stream_of(child)
        value = np.full(self.size, np.nan)
        for start, stop in pieces:  # a restart may directly follow a run: never bridge them
            value[start:stop] = compute_indicator(
                metric.metric, curve[start:stop], metric.window, **_params(metric)
            )
        return value

    def _stream_of(self, child: Node) -> tuple[FloatArray, FloatArray, list[tuple[int, int]]]:
        """The child's daily return stream, its equity curve, and the curve's pieces.

        Holding the allocation of close t−1 through t, rebalanced daily:
        return_t = Σ_i w_{t−1,i}·r_{t,i}, summed strictly in ticker-column order over the held
        tickers (an unheld ticker adds an exact 0.0), so the bits depend on the holdings and
        prices only, not on which other tickers the child's subtree could hold. A day after
        holding nothing earns 0 (cash); the return is unknown after an undefined day or when a
        held price is missing.

        The curve starts at 1.0 on the close the child is first defined and restarts after any
        unknown return; indicators run separately on each piece [start, stop) (`_equity_curve`).
        """
        known = self._equity.get(child.digest)
        if known is not None:
            return known
        alloc = self._results[child.digest]
        returns = self._all_returns()[1:, alloc.cols]
        held = alloc.weights[:-1]
        stream = np.full(self.size, np.nan)
        with np.errstate(invalid="ignore"):
            contributions = np.asfortranarray(np.where(held > 0.0, held * returns, 0.0))
        # strictly left to right, one column at a time; .sum() may pair terms by their position
        total = np.zeros(self.size - 1)
        for column in contributions.T:
            total += column
        stream[1:] = total
        stream[1:][~alloc.defined[:-1]] = np.nan
        curve, pieces = _equity_curve(stream, alloc.defined)
        result = (stream, curve, pieces)
        self._equity[child.digest] = result
        return result

    def _sole_holding(self, child: Node) -> IntArray:
        """Per date, the history column of the one asset the child holds in full, else −1.

        "In full" is exact: weight 1.0 and nothing else held, on a defined date.
        """
        alloc = self._results[child.digest]
        if not alloc.cols.size:
            return np.full(self.size, -1, dtype=np.intp)
        weights = alloc.weights
        full = weights == 1.0
        alone = (weights > 0.0).sum(axis=1) == 1
        sole = alloc.defined & alone & full.any(axis=1)
        return np.where(sole, alloc.cols[np.argmax(full, axis=1)], -1).astype(np.intp)

    def _ticker_indicator(self, indicator: Indicator, ticker: str) -> FloatArray:
        key = (indicator.metric, indicator.window, indicator.params, ticker)
        value = self._indicators.get(key)
        if value is None:
            closes = self.history.closes(ticker)
            value = compute_indicator(
                indicator.metric, closes, indicator.window, **_params(indicator)
            )
            self._indicators[key] = value
        return value

    def _all_returns(self) -> FloatArray:
        if self._returns is None:
            returns = np.full(self.history.close.shape, np.nan)
            close = self.history.close
            returns[1:] = close[1:] / close[:-1] - 1.0
            self._returns = returns
        return self._returns


def _best(keys: FloatArray, eligible: BoolArray, count: int) -> BoolArray:
    """Per row, the `count` smallest keys among the eligible; ties go to the earlier column.

    Same result as a stable sort, in linear time: find the count-th smallest key, take all keys
    below it, then fill up with keys equal to it in written order.
    """
    n_eligible = eligible.sum(axis=1)
    if count >= keys.shape[1]:
        return eligible.copy()
    kth = np.partition(keys, count - 1, axis=1)[:, count - 1 : count]
    below = keys < kth
    ties = keys == kth
    room = count - below.sum(axis=1, keepdims=True)
    chosen = below | (ties & (np.cumsum(ties, axis=1) <= room))
    few = n_eligible < count
    chosen[few] = eligible[few]
    return np.asarray(chosen & eligible, dtype=bool)


def _post_order(root: Node) -> tuple[list[Node], Counter[str]]:
    """Unique nodes (by digest), children before parents, and how often each is referenced."""
    order: list[Node] = []
    refs: Counter[str] = Counter()
    visited: set[str] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node.digest in visited:
            continue
        visited.add(node.digest)
        stack.append((node, True))
        for child in reversed(node.children):
            refs[child.digest] += 1
            if child.digest not in visited:
                stack.append((child, False))
    return order, refs


def _single_asset(node: Node) -> Asset | None:
    """The asset a node always holds in full, seen through groups and one-child weight nodes."""
    current: Node | None = node
    while current is not None and not isinstance(current, Asset):
        current = _only_child(current)
    return current


def _only_child(node: Node) -> Node | None:
    if isinstance(node, Group):
        return node.child
    if isinstance(node, WeightEqual | WeightInverseVolatility | WeightSpecified):
        if len(node.nodes) != 1:
            return None
        if isinstance(node, WeightSpecified) and not node.weights[0] > 0:
            return None
        return node.nodes[0]
    return None


def _held_throughout(sole: IntArray, rows: int) -> IntArray:
    """Per date t, the column held in full on every one of the dates t−rows … t−1, else −1."""
    out = np.full(len(sole), -1, dtype=np.intp)
    if len(sole) <= rows:
        return out
    index = np.arange(len(sole))
    changed = np.ones(len(sole), dtype=bool)
    changed[1:] = sole[1:] != sole[:-1]
    run = index - np.maximum.accumulate(np.where(changed, index, 0)) + 1  # equal values ending here
    ok = (sole[:-1] >= 0) & (run[:-1] >= rows)
    out[1:] = np.where(ok, sole[:-1], -1)
    return out


def _equity_curve(
    stream: FloatArray, defined: BoolArray
) -> tuple[FloatArray, list[tuple[int, int]]]:
    """Compound `stream` into a curve that (re)starts at 1.0 on every defined day whose own
    return is unknown, and the pieces [start, stop) on which indicators run separately.

    A start depends only on that day (never on whether the next day's return is known), so a
    backtest and a live run see the same curve on a child's first day.
    """
    size = len(stream)
    curve = np.full(size, np.nan)
    unknown = ~np.isfinite(stream)
    gaps = np.flatnonzero(unknown)
    pieces: list[tuple[int, int]] = []
    for start in np.flatnonzero(defined & unknown).tolist():
        after = int(np.searchsorted(gaps, start, side="right"))
        stop = int(gaps[after]) if after < len(gaps) else size
        curve[start] = 1.0
        curve[start + 1 : stop] = np.cumprod(1.0 + stream[start + 1 : stop])
        if pieces and pieces[-1][1] < start:  # a day without a level already separates them
            pieces[-1] = (pieces[-1][0], stop)
        else:  # first piece, or a restart right after a piece: nothing in the curve marks it
            pieces.append((start, stop))
    return curve, pieces


def _params(indicator: Indicator) -> dict[str, float]:
    return {key.replace("-", "_"): value for key, value in indicator.params}


def _describe(condition: Condition) -> str:
    def side(operand: Operand) -> str:
        if isinstance(operand, Indicator):
            window = "" if operand.window is None else f", {operand.window}"
            return f"{operand.metric}({operand.ticker}{window})"
        return f"{operand:g}"

    return f"{side(condition.lhs)} {condition.comparator} {side(condition.rhs)}"


_COMPARE: dict[Comparator, Callable[[FloatArray, FloatArray], BoolArray]] = {
    Comparator.GT: np.greater,
    Comparator.GTE: np.greater_equal,
    Comparator.LT: np.less,
    Comparator.LTE: np.less_equal,
    Comparator.EQ: np.equal,
}
