"""The typed tree → readable `.clj` text that the parser reads back to the same digest.

Written with an explicit work stack (no recursion) in the layout Composer itself exports: one
node per line, children in a vector, conditions and indicator calls on one line.
"""

from __future__ import annotations

import math

from alchemiser.domain.symphony._deep_json import refuse_too_deep
from alchemiser.domain.symphony.reader import MAX_DEPTH
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
    RebalanceFrequency,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
    branch_elements,
)

_INDENT = "  "


def to_clj(symphony: Symphony) -> str:
    """The whole symphony as a `(defsymphony …)` form."""
    rule = symphony.rebalance
    options = [f":asset-class {_string(symphony.asset_class)}"]
    if rule.frequency is not RebalanceFrequency.NONE or rule.threshold is None:
        options.append(f":rebalance-frequency :{rule.frequency.value}")
    if rule.threshold is not None:
        options.append(f":rebalance-threshold {_number(rule.threshold)}")
    if symphony.description:
        options.append(f":description {_string(symphony.description)}")
    head = f"(defsymphony\n{_INDENT}{_string(symphony.name)}\n{_INDENT}{{{', '.join(options)}}}\n"
    text = head + _INDENT + node_to_clj(symphony.root, 1) + ")\n"
    refuse_too_deep(text, MAX_DEPTH, symphony.source, ".clj")
    return text


def node_to_clj(root: Node, level: int = 0) -> str:
    """One node (and everything under it) as `.clj` text, its first line unindented."""
    out: list[str] = []
    stack: list[str | tuple[Node, int]] = [(root, level)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        node, depth = item
        pad = "\n" + _INDENT * (depth + 1)
        todo: list[str | tuple[Node, int]] = []
        if isinstance(node, Asset):
            name = "nil" if node.name is None else _string(node.name)
            out.append(f"(asset {_string(node.ticker)} {name})")
        elif isinstance(node, Empty):
            out.append("(weight-equal [])")
        elif isinstance(node, Group):
            out.append(f"(group {_string(node.name)}{pad}")
            todo += _vector((node.child,), depth + 1)
            todo.append(")")
        elif isinstance(node, WeightEqual):
            out.append(f"(weight-equal{pad}")
            todo += _vector(node.nodes, depth + 1)
            todo.append(")")
        elif isinstance(node, WeightSpecified):
            out.append("(weight-specified")
            for weight, child in zip(node.weights, node.nodes, strict=True):
                todo += [f"{pad}{_number(weight)}{pad}", (child, depth + 1)]
            todo.append(")")
        elif isinstance(node, WeightInverseVolatility):
            out.append(f"(weight-inverse-volatility {node.window}{pad}")
            todo += _vector(node.nodes, depth + 1)
            todo.append(")")
        elif isinstance(node, If):
            out.append(f"(if{pad}{condition_to_clj(node.condition)}{pad}")
            todo += _vector(branch_elements(node.then), depth + 1)
            todo.append(pad)
            todo += _vector(branch_elements(node.otherwise), depth + 1)
            todo.append(")")
        elif isinstance(node, Filter):
            select = f"(select-{node.selection.value} {node.count})"
            out.append(f"(filter{pad}{indicator_to_clj(node.metric)}{pad}{select}{pad}")
            todo += _vector(node.candidates, depth + 1)
            todo.append(")")
        stack.extend(reversed(todo))
    return "".join(out)


def _vector(nodes: tuple[Node, ...], depth: int) -> list[str | tuple[Node, int]]:
    """`[a` newline ` b]`, children aligned one column right of the bracket."""
    parts: list[str | tuple[Node, int]] = ["["]
    pad = "\n" + _INDENT * depth + " "
    for i, child in enumerate(nodes):
        if i:
            parts.append(pad)
        parts.append((child, depth))
    parts.append("]")
    return parts


def condition_to_clj(condition: Condition) -> str:
    return f"({condition.comparator.value} {_operand(condition.lhs)} {_operand(condition.rhs)})"


def indicator_to_clj(indicator: Indicator) -> str:
    parts = [indicator.metric.value]
    if indicator.ticker is not None:
        parts.append(_string(indicator.ticker))
    options = [f":{key} {_number(value)}" for key, value in indicator.params]
    if indicator.window is not None:
        options.append(f":window {indicator.window}")
    if options:
        parts.append("{" + ", ".join(options) + "}")
    return "(" + " ".join(parts) + ")"


def _operand(operand: Operand) -> str:
    return indicator_to_clj(operand) if isinstance(operand, Indicator) else _number(operand)


def _number(value: float) -> str:
    value = float(value)
    negative_zero = value == 0 and math.copysign(1.0, value) < 0
    if value.is_integer() and abs(value) < 1e15 and not negative_zero:
        return str(int(value))  # -0.0 stays "-0.0": a digest tells the two zeros apart
    return repr(value)


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
