"""Why a symphony holds what it holds on a date: the path the tree took, step by step.

The explanation is read from the very evaluation that produced the signal (the evaluator records
each node's decision on the traced date), so it can never disagree with the allocation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from alchemiser.domain.errors import SignalUndefinedError
from alchemiser.domain.market.price_history import PriceHistory, as_day
from alchemiser.domain.symphony.evaluator import NodeTrace, TracedEvaluation, evaluate_traced
from alchemiser.domain.symphony.tree import (
    Asset,
    Condition,
    Empty,
    Filter,
    Group,
    If,
    Indicator,
    Node,
    Operand,
    Selection,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
)

__all__ = [
    "ExplanationStep",
    "describe_condition",
    "describe_indicator",
    "explain",
    "explain_traced",
    "render_explanation",
]


RANKING_SHOWN = 8
"""Filter candidates listed in a step's one-line summary (`details` keeps the whole ranking)."""


@dataclass(frozen=True, slots=True)
class ExplanationStep:
    """One node on the path: `share` is the fraction of the whole symphony it receives."""

    depth: int
    kind: str
    summary: str
    share: float
    defined: bool
    details: Mapping[str, object] = field(default_factory=dict)
    position: tuple[int, int] | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "depth": self.depth,
            "kind": self.kind,
            "summary": self.summary,
            "share": self.share,
            "defined": self.defined,
            "details": dict(self.details),
            "position": list(self.position) if self.position else None,
        }

    def __str__(self) -> str:
        return "  " * self.depth + self.summary


def explain(
    target: Symphony | Node, history: PriceHistory, date: dt.date | None = None
) -> list[ExplanationStep]:
    """The path `target` took on `date` (default: the last session of `history`)."""
    if len(history) == 0:
        raise SignalUndefinedError("cannot explain a symphony over an empty history")
    row = len(history) - 1
    if date is not None:
        row = int(np.searchsorted(history.dates, as_day(date), side="right")) - 1
        if row < 0:
            raise SignalUndefinedError(f"the history starts after {date}")
    return explain_traced(target, evaluate_traced(target, history, row))


def explain_traced(target: Symphony | Node, traced: TracedEvaluation) -> list[ExplanationStep]:
    """Explanation steps from an evaluation that traced the row of interest."""
    root = target.root if isinstance(target, Symphony) else target
    steps: list[ExplanationStep] = []
    stack: list[tuple[Node, int, float]] = [(root, 0, 1.0)]
    while stack:
        node, depth, share = stack.pop()
        trace = traced.traces[node.digest]
        steps.append(_step(node, trace, depth, share))
        stack.extend(reversed(_followed(node, trace, depth, share, traced.traces)))
    return steps


def render_explanation(steps: list[ExplanationStep]) -> str:
    return "\n".join(str(step) for step in steps)


# -- which children an explanation follows --------------------------------------------------------
def _followed(
    node: Node, trace: NodeTrace, depth: int, share: float, traces: Mapping[str, NodeTrace]
) -> list[tuple[Node, int, float]]:
    """Children that received something; on an undefined date, the ones that caused it."""
    children = node.children
    if isinstance(node, If):
        if trace.truth is None:
            return []
        taken = node.then if trace.truth else node.otherwise
        return [(taken, depth + 1, share)]
    picked: list[tuple[Node, int, float]] = []
    for index, child in enumerate(children):
        factor = trace.factors[index] if index < len(trace.factors) else 0.0
        if trace.defined and factor > 0.0:
            picked.append((child, depth + 1, share * factor))
        elif not trace.defined and not traces[child.digest].defined:
            if isinstance(node, Filter) and not trace.chosen[index]:
                continue
            picked.append((child, depth + 1, 0.0))
    return picked


# -- one step per node ----------------------------------------------------------------------------
def _step(node: Node, trace: NodeTrace, depth: int, share: float) -> ExplanationStep:
    builder = _BUILDERS[type(node)]
    kind, summary, details = builder(node, trace)
    if not trace.defined:
        summary += "  [undefined]"
    elif share > 0.0 and not isinstance(node, If | Empty):
        summary += f"  ({share:.2%})"
    return ExplanationStep(
        depth=depth,
        kind=kind,
        summary=summary,
        share=share if trace.defined else 0.0,
        defined=trace.defined,
        details=details,
        position=node.position,
    )


_Built = tuple[str, str, dict[str, object]]


def _asset(node: Node, trace: NodeTrace) -> _Built:
    assert isinstance(node, Asset)
    return "asset", node.ticker, {"ticker": node.ticker}


def _empty(node: Node, trace: NodeTrace) -> _Built:
    return "empty", "empty (holds nothing)", {}


def _group(node: Node, trace: NodeTrace) -> _Built:
    assert isinstance(node, Group)
    return "group", f"group {node.name!r}", {"name": node.name}


def _weight_equal(node: Node, trace: NodeTrace) -> _Built:
    assert isinstance(node, WeightEqual)
    held = sum(1 for f in trace.factors if f > 0.0)
    return (
        "weight-equal",
        f"weight-equal: {held} of {len(node.nodes)} children hold something",
        {"children": len(node.nodes), "fractions": list(trace.factors)},
    )


def _weight_specified(node: Node, trace: NodeTrace) -> _Built:
    assert isinstance(node, WeightSpecified)
    written = ", ".join(f"{w:g}" for w in node.weights)
    return (
        "weight-specified",
        f"weight-specified [{written}]",
        {"weights": list(node.weights), "fractions": list(trace.factors)},
    )


def _inverse_volatility(node: Node, trace: NodeTrace) -> _Built:
    assert isinstance(node, WeightInverseVolatility)
    parts = [
        f"{_label(child)} σ={_num(sigma)}% → {fraction:.1%}"
        for child, sigma, fraction in zip(node.nodes, trace.sigmas, trace.factors, strict=True)
    ]
    return (
        "inverse-volatility",
        f"inverse-volatility {node.window}d: " + ", ".join(parts),
        {
            "window": node.window,
            "children": [
                {"candidate": _label(child), "sigma": _json(sigma), "fraction": fraction}
                for child, sigma, fraction in zip(
                    node.nodes, trace.sigmas, trace.factors, strict=True
                )
            ],
        },
    )


def _if(node: Node, trace: NodeTrace) -> _Built:
    assert isinstance(node, If)
    condition = node.condition
    text = describe_condition(condition)
    lhs = _side_value(condition.lhs, trace.lhs)
    rhs = _side_value(condition.rhs, trace.rhs)
    if trace.truth is None:
        verdict = "undecidable (a side is undefined: not enough history or a missing price)"
        branch = None
    else:
        branch = "then" if trace.truth else "else"
        verdict = f"{'true' if trace.truth else 'false'} → {branch}"
    summary = f"if {text}: {lhs} {condition.comparator} {rhs} is {verdict}"
    return (
        "if",
        summary,
        {
            "condition": text,
            "lhs": _json(trace.lhs),
            "rhs": _json(trace.rhs),
            "result": trace.truth,
            "branch": branch,
        },
    )


def _filter(node: Node, trace: NodeTrace) -> _Built:
    assert isinstance(node, Filter)
    ranked = sorted(
        range(len(node.candidates)),
        key=lambda i: _rank_key(trace.scores[i], node.selection is Selection.TOP),
    )
    entries = [
        {
            "candidate": _label(node.candidates[i]),
            "score": _json(trace.scores[i]),
            "chosen": trace.chosen[i],
        }
        for i in ranked
    ]
    shown = max(RANKING_SHOWN, node.count)
    listing = ", ".join(
        f"{'✓ ' if e['chosen'] else ''}{e['candidate']} {_num(trace.scores[i])}"
        for e, i in zip(entries[:shown], ranked[:shown], strict=True)
    )
    if len(entries) > shown:
        listing += f", … {len(entries) - shown} more"
    metric = describe_indicator(node.metric)
    summary = f"filter {metric} select-{node.selection} {node.count}: {listing}"
    return (
        "filter",
        summary,
        {
            "metric": metric,
            "selection": str(node.selection),
            "count": node.count,
            "ranking": entries,
        },
    )


_BUILDERS = {
    Asset: _asset,
    Empty: _empty,
    Group: _group,
    WeightEqual: _weight_equal,
    WeightSpecified: _weight_specified,
    WeightInverseVolatility: _inverse_volatility,
    If: _if,
    Filter: _filter,
}


# -- text helpers ---------------------------------------------------------------------------------
def describe_indicator(indicator: Indicator) -> str:
    """`rsi(SPY, 10)`; inside a filter (no ticker) just `rsi(10)`."""
    args = [a for a in (indicator.ticker, indicator.window) if a is not None]
    args += [f"{k}={v:g}" for k, v in indicator.params]
    return f"{indicator.metric}({', '.join(str(a) for a in args)})"


def describe_condition(condition: Condition) -> str:
    return f"{_side(condition.lhs)} {condition.comparator} {_side(condition.rhs)}"


def _side(operand: Operand) -> str:
    return describe_indicator(operand) if isinstance(operand, Indicator) else f"{operand:g}"


def _side_value(operand: Operand, value: float | None) -> str:
    if isinstance(operand, Indicator):
        return _num(value)
    return f"{operand:g}"


def _label(node: Node) -> str:
    if isinstance(node, Group):
        return node.name
    if isinstance(node, Asset):
        return node.ticker
    if isinstance(node, If):
        return f"if {describe_condition(node.condition)}"
    if isinstance(node, Filter):
        return f"filter {describe_indicator(node.metric)} {node.selection} {node.count}"
    if isinstance(node, Empty):
        return "empty"
    return f"{type(node).__name__}[{len(node.children)}]"


def _rank_key(score: float, top: bool) -> tuple[int, float]:
    if not math.isfinite(score):
        return (1, 0.0)
    return (0, -score if top else score)


def _num(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "undefined"
    return f"{value:.4g}"


def _json(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value
