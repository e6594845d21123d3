"""What a symphony needs and what is wrong with it, all at once (not just the first problem).

The parser rejects text that cannot become a tree; the validator judges trees that parse but
cannot be meant (a negative window, weights summing to 0.9, select-top 0, a malformed ticker),
wherever the tree came from (`.clj`, JSON, or the Python builder), and works out how many
sessions of history the evaluator needs before the symphony is defined.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from alchemiser.domain.errors import SymphonyParseError
from alchemiser.domain.symphony.tree import (
    Asset,
    Empty,
    Filter,
    Group,
    If,
    Indicator,
    Metric,
    Node,
    RebalanceFrequency,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
    walk,
)

TICKER = re.compile(r"[A-Z0-9][A-Z0-9./\-^=:]{0,20}")
"""Exchange symbols as brokers spell them: upper case, digits, and `.` `/` `-` (BRK/B, BRK.B)."""

WEIGHT_TOLERANCE = 0.01
"""Weights of a weight-specified summing further from 1 than this are a mistake (an error);
closer, they are rounding (33.33 + 33.33 + 33.33) and only warned about: the evaluator
renormalises them."""
WEIGHT_ROUNDING = 1e-9

MAX_WINDOW = 10_000
"""Longest indicator or volatility window, in sessions (about 40 years): more than any market
history holds; a larger one (`{:window 1e308}`) is a typo that would ask for impossible data."""

_RETURN_BASED = frozenset(
    {
        Metric.RSI,
        Metric.CUMULATIVE_RETURN,
        Metric.MOVING_AVERAGE_RETURN,
        Metric.STDEV_RETURN,
    }
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    message: str
    position: tuple[int, int] | None = None
    path: str | None = None
    """The JSON path (`$.children[0].window-days`) when the symphony came from JSON."""

    def where(self, source: str) -> str:
        if self.position is not None:
            return f"{source}:{self.position[0]}:{self.position[1]}"
        return source if self.path is None else f"{source} {self.path}"

    def render(self, source: str) -> str:
        return f"{self.where(source)}: {self.severity.value}: {self.message}"


class SymphonyInvalidError(SymphonyParseError):
    """A symphony parsed but the validator found errors; carries every problem."""

    def __init__(self, source: str, problems: tuple[Problem, ...]) -> None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        first = errors[0]
        more = len(errors) - 1
        suffix = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
        line, column = first.position if first.position else (None, None)
        at = f"at {first.path}: " if first.path and not first.position else ""
        super().__init__(at + first.message + suffix, source=source, line=line, column=column)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Everything `symphony check` prints about one symphony."""

    source: str
    name: str
    tickers: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    warmup_sessions: int
    node_count: int
    distinct_nodes: int
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_invalid(self) -> None:
        if not self.ok:
            raise SymphonyInvalidError(self.source, self.problems)


def closes_needed(indicator: Indicator) -> int:
    """Closes an indicator needs before it is defined (SPEC §3).

    Return-based metrics need one close more than their window (N returns need N+1 closes);
    RSI and EMA are recursive: this is the minimum, and they are fed all history anyway.
    """
    params = dict(indicator.params)
    if indicator.metric is Metric.CURRENT_PRICE:
        return 1
    if indicator.metric is Metric.PERCENTAGE_PRICE_OSCILLATOR:
        return int(max(params.get("long-window", 26), params.get("short-window", 12)))
    if indicator.metric is Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL:
        longest = max(params.get("long-window", 26), params.get("short-window", 12))
        return int(longest + params.get("smooth-window", 9) - 1)
    window = max(indicator.window or 1, 1)
    return window + 1 if indicator.metric in _RETURN_BASED else window


def validate(symphony: Symphony) -> ValidationReport:
    """Every ticker, indicator, the history needed and every problem, with positions."""
    nodes = walk(symphony.root)
    problems: list[Problem] = []
    tickers: set[str] = set()
    indicators: set[Indicator] = set()

    def error(message: str, node: Node, key: str | None = None) -> None:
        problems.append(Problem(Severity.ERROR, message, node.position, _json_path(node, key)))

    def warn(message: str, node: Node) -> None:
        problems.append(Problem(Severity.WARNING, message, node.position, node.path))

    def check_indicator(indicator: Indicator, node: Node, side: str) -> None:
        indicators.add(indicator)
        label = f"({indicator.metric.value}{' ' + indicator.ticker if indicator.ticker else ''})"
        if indicator.ticker is not None:
            tickers.add(indicator.ticker)
            if not TICKER.fullmatch(indicator.ticker):
                error(f"{label}: {indicator.ticker!r} is not a ticker symbol", node)
        window_key = f"{side}-window-days"
        if indicator.window is not None and indicator.window < 1:
            error(f"{label}: window {indicator.window} must be at least 1", node, window_key)
        if indicator.window is not None and indicator.window > MAX_WINDOW:
            error(
                f"{label}: window {indicator.window:.6g} is over {MAX_WINDOW:,}", node, window_key
            )
        params = dict(indicator.params)
        for key, value in params.items():
            if value < 1:
                error(f"{label}: :{key} {value:g} must be at least 1", node, f"{side}-fn-params")
            elif not value <= MAX_WINDOW:
                error(
                    f"{label}: :{key} {value:g} is over {MAX_WINDOW:,}", node, f"{side}-fn-params"
                )
        if params.get("short-window", 0) >= params.get("long-window", math.inf):
            error(f"{label}: :short-window must be shorter than :long-window", node)

    for node in nodes:
        if isinstance(node, Asset):
            tickers.add(node.ticker)
            if not TICKER.fullmatch(node.ticker):
                error(f"asset {node.ticker!r} is not a ticker symbol (e.g. SPY, BRK/B)", node)
        elif isinstance(node, If):
            condition = node.condition
            operands = (condition.lhs, condition.rhs)
            for side, operand in zip(("lhs", "rhs"), operands, strict=True):
                if isinstance(operand, Indicator):
                    check_indicator(operand, node, side)
                elif not math.isfinite(operand):
                    error(f"comparison against {operand} is not a finite number", node)
            if not any(isinstance(op, Indicator) for op in operands):
                warn("comparison of two numbers: the branch taken never changes", node)
        elif isinstance(node, Filter):
            check_indicator(node.metric, node, "sort-by")
            if node.count < 1:
                error(f"select-{node.selection.value} {node.count}: must select at least 1", node)
            if not node.candidates:
                warn("filter without candidates allocates nothing", node)
        elif isinstance(node, WeightSpecified):
            total = math.fsum(node.weights)
            if any(not math.isfinite(w) or w < 0 for w in node.weights):
                error(f"weights {list(node.weights)} must be finite and non-negative", node)
            elif abs(total - 1) > WEIGHT_TOLERANCE:
                error(f"weight-specified weights sum to {total:.6g}, expected 1", node)
            elif abs(total - 1) > WEIGHT_ROUNDING:
                warn(f"weight-specified weights sum to {total:.6g}; they are renormalised", node)
        elif isinstance(node, WeightInverseVolatility) and node.window < 2:
            error(
                f"weight-inverse-volatility window {node.window} must be at least 2 "
                "(a volatility needs two returns)",
                node,
                "window-days",
            )
        elif isinstance(node, WeightInverseVolatility) and node.window > MAX_WINDOW:
            error(
                f"weight-inverse-volatility window {node.window:.6g} is over {MAX_WINDOW:,}",
                node,
                "window-days",
            )
    rule = symphony.rebalance
    if rule.threshold is not None and not 0 < rule.threshold < 1:
        problems.append(
            Problem(
                Severity.ERROR,
                f"rebalance threshold {rule.threshold} must be between 0 and 1 (0.05 = 5%)",
            )
        )
    if rule.frequency is RebalanceFrequency.NONE and rule.threshold is None:
        problems.append(
            Problem(Severity.WARNING, "rebalance :none without a threshold never rebalances")
        )
    if isinstance(symphony.root, Empty):
        problems.append(Problem(Severity.WARNING, "the symphony allocates nothing"))
    problems.sort(key=lambda p: (p.position or (0, 0), p.severity.value))
    return ValidationReport(
        source=symphony.source,
        name=symphony.name,
        tickers=tuple(sorted(tickers)),
        indicators=tuple(
            sorted(indicators, key=lambda i: (i.metric.value, i.ticker or "", i.window or 0))
        ),
        warmup_sessions=warmup_sessions(symphony.root),
        node_count=len(nodes),
        distinct_nodes=len({n.digest for n in nodes}),
        problems=tuple(problems),
    )


def _json_path(node: Node, key: str | None) -> str | None:
    if node.path is None:
        return None
    return node.path if key is None else f"{node.path}.{key}"


def warmup_sessions(root: Node) -> int:
    """Sessions of history (the decision day included) before `root` can be defined.

    An upper bound that follows SPEC §2.3: conditions need their indicators on both branches;
    a filter or inverse-volatility over a composite child scores the child's own return stream,
    which starts only once the child is defined, so the child's need adds to the metric's.
    """
    need: dict[str, int] = {}
    for node in reversed(walk(root)):  # children before parents
        if node.digest in need:
            continue
        kids = [need[c.digest] for c in node.children]
        if isinstance(node, Asset | Empty):
            value = 1
        elif isinstance(node, If):
            operands = (node.condition.lhs, node.condition.rhs)
            value = max(
                [*kids, *(closes_needed(op) for op in operands if isinstance(op, Indicator))]
            )
        elif isinstance(node, Filter):
            metric = closes_needed(node.metric)
            value = max((k + metric - 1 for k in kids), default=1)
        elif isinstance(node, WeightInverseVolatility):
            value = max((k + max(node.window, 1) for k in kids), default=1)
        elif isinstance(node, Group | WeightEqual | WeightSpecified):
            value = max(kids, default=1)
        else:  # pragma: no cover - Node is a closed union
            raise TypeError(type(node).__name__)
        need[node.digest] = value
    return need[root.digest]
