"""Addressable parameters: every numeric literal of a symphony, with a stable name, and a way to
rebuild the tree with some of them replaced (issue 18).

A sweep asks "what if this RSI window were 12, that threshold 81?". That needs a name for each
number that survives a round trip through the shell and a Parquet column, and a rebuild that
gives a tree as valid as one the parser produced (digests recomputed, so the evaluator's cache
and the backtest see a genuinely different strategy).

Two spellings name one literal:
- the short human form `KIND[i].FIELD`: the i-th node of that kind in pre-order (0-based), e.g.
  `if[2].cond.rhs` (the threshold of the third `if`), `if[0].cond.lhs.window`,
  `filter[1].metric.window`, `filter[1].count`, `weights[0].weight[1]`, `inverse-vol[0].window`,
  plus `rebalance.threshold` for the symphony's corridor;
- the tree path `/0/1:cond.rhs`: child indices from the root, then the field.

A third spelling names a *group*: `rsi(TQQQ,10).window` is the window of every `rsi` call on
TQQQ with window 10 (filters' metrics have no ticker: `stdev-return(*,5).window`), the natural
knob when one indicator is read in many places.

Numbering follows pre-order over the tree as written, so it is stable for a given file. A
subtree that occurs twice (same digest) has two sets of addresses; replacing one occurrence
leaves the other alone, as editing the file at that spot would.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.symphony.tree import (
    Condition,
    Filter,
    Group,
    If,
    Indicator,
    Node,
    Operand,
    RebalanceRule,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
)

Path = tuple[int, ...]
REBALANCE_THRESHOLD = "rebalance.threshold"
WEIGHT_TOLERANCE = 1e-9


class ParameterKind(StrEnum):
    WINDOW = "window"
    THRESHOLD = "threshold"
    WEIGHT = "weight"
    COUNT = "count"
    INDICATOR_PARAM = "indicator-param"
    REBALANCE_THRESHOLD = "rebalance-threshold"


_INTEGER_KINDS = frozenset({ParameterKind.WINDOW, ParameterKind.COUNT})


@dataclass(frozen=True, slots=True)
class Parameter:
    """One numeric literal: its names, value and what it means."""

    address: str
    """Short human form, e.g. `if[2].cond.rhs`."""
    path: str
    """Tree path, e.g. `/0/1:cond.rhs` (child indices from the root, then the field)."""
    value: float
    kind: ParameterKind
    context: str
    """What the number belongs to, e.g. `rsi(SPY,10) > 79`."""
    indicator: str | None = None
    """Group key of an indicator's window or parameter, e.g. `rsi(SPY,10)`."""

    @property
    def integer(self) -> bool:
        return self.kind in _INTEGER_KINDS

    def as_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "value": int(self.value) if self.integer else self.value,
            "path": self.path,
            "kind": self.kind.value,
            "context": self.context,
            "indicator": self.indicator,
        }


@dataclass(frozen=True, slots=True)
class _Location:
    node_path: Path | None
    """None for the symphony-level rebalance threshold."""
    field: str


def indicator_label(indicator: Indicator) -> str:
    """`rsi(SPY,10)`; a filter's metric (no ticker) `rsi(*,10)`; no window `current-price(SPY)`."""
    window = "" if indicator.window is None else f",{indicator.window}"
    return f"{indicator.metric.value}({indicator.ticker or '*'}{window})"


def _operand_text(operand: Operand) -> str:
    return indicator_label(operand) if isinstance(operand, Indicator) else f"{float(operand):g}"


def _condition_text(condition: Condition) -> str:
    return (
        f"{_operand_text(condition.lhs)} {condition.comparator.value} "
        f"{_operand_text(condition.rhs)}"
    )


def _kind_name(node: Node) -> str | None:
    if isinstance(node, If):
        return "if"
    if isinstance(node, Filter):
        return "filter"
    if isinstance(node, WeightSpecified):
        return "weights"
    if isinstance(node, WeightInverseVolatility):
        return "inverse-vol"
    return None


def _path_text(path: Path, field: str) -> str:
    return "/" + "/".join(map(str, path)) + ":" + field


class ParameterSpace:
    """The parameters of one symphony and the rebuilding of variants of it.

    Built once per base symphony (a walk over the tree); `variant` then touches only the nodes
    on the paths to the replaced literals, so thousands of variants of a big file stay cheap.
    """

    def __init__(self, symphony: Symphony) -> None:
        self.symphony = symphony
        self._nodes: dict[Path, Node] = {}
        self._params: list[Parameter] = []
        self._by_name: dict[str, _Location] = {}
        self._groups: dict[str, list[_Location]] = {}
        self._values: dict[_Location, float] = {}
        self._kinds: dict[_Location, ParameterKind] = {}
        self._human: dict[Path, str] = {}
        self._collect()

    # -- listing ------------------------------------------------------------------------------
    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(self._params)

    def value_of(self, address: str) -> float:
        """The current value behind an address (a group's value is its common value)."""
        return self._values[self.resolve(address)[0]]

    def _collect(self) -> None:
        counters: dict[str, int] = {}
        stack: list[tuple[Node, Path]] = [(self.symphony.root, ())]
        while stack:
            node, path = stack.pop()
            self._nodes[path] = node
            kind = _kind_name(node)
            if kind is not None:
                ordinal = counters.get(kind, 0)
                counters[kind] = ordinal + 1
                self._human[path] = f"{kind}[{ordinal}]"
                self._add_node_params(node, path, self._human[path])
            children = node.children
            stack.extend((children[i], (*path, i)) for i in reversed(range(len(children))))
        threshold = self.symphony.rebalance.threshold
        if threshold is not None:
            self._add(
                Parameter(
                    REBALANCE_THRESHOLD,
                    ":" + REBALANCE_THRESHOLD,
                    float(threshold),
                    ParameterKind.REBALANCE_THRESHOLD,
                    "rebalance corridor",
                ),
                _Location(None, REBALANCE_THRESHOLD),
            )

    def _add(self, parameter: Parameter, location: _Location) -> None:
        self._params.append(parameter)
        self._by_name[parameter.address] = location
        self._by_name[parameter.path] = location
        self._values[location] = parameter.value
        self._kinds[location] = parameter.kind
        if parameter.indicator is not None:
            field = parameter.address.rsplit(".", 1)[1]
            self._groups.setdefault(f"{parameter.indicator}.{field}", []).append(location)

    def _add_node_params(self, node: Node, path: Path, human: str) -> None:
        def add(
            field: str, value: float, kind: ParameterKind, context: str, ind: str | None = None
        ) -> None:
            self._add(
                Parameter(f"{human}.{field}", _path_text(path, field), value, kind, context, ind),
                _Location(path, field),
            )

        if isinstance(node, If):
            text = _condition_text(node.condition)
            for side in ("lhs", "rhs"):
                operand: Operand = getattr(node.condition, side)
                if isinstance(operand, Indicator):
                    self._indicator_params(operand, f"cond.{side}", text, add)
                else:
                    add(f"cond.{side}", float(operand), ParameterKind.THRESHOLD, text)
        elif isinstance(node, Filter):
            text = (
                f"select-{node.selection.value} {node.count} by "
                f"{node.metric.metric.value}({node.metric.window})"
            )
            self._indicator_params(node.metric, "metric", text, add)
            add("count", float(node.count), ParameterKind.COUNT, text)
        elif isinstance(node, WeightSpecified):
            text = "weight-specified " + " ".join(f"{w:g}" for w in node.weights)
            for i, weight in enumerate(node.weights):
                add(f"weight[{i}]", float(weight), ParameterKind.WEIGHT, text)
        elif isinstance(node, WeightInverseVolatility):
            add(
                "window",
                float(node.window),
                ParameterKind.WINDOW,
                f"weight-inverse-volatility {node.window}",
            )

    @staticmethod
    def _indicator_params(indicator: Indicator, prefix: str, context: str, add: _Adder) -> None:
        label = indicator_label(indicator)
        if indicator.window is not None:
            add(f"{prefix}.window", float(indicator.window), ParameterKind.WINDOW, context, label)
        for name, value in indicator.params:
            add(f"{prefix}.{name}", float(value), ParameterKind.WINDOW, context, label)

    # -- addressing ---------------------------------------------------------------------------
    def resolve(self, address: str) -> list[_Location]:
        """The literal(s) an address names, or a ConfigurationError listing close names."""
        key = address.strip()
        if key in self._by_name:
            return [self._by_name[key]]
        group = self._groups.get(re.sub(r"\s+", "", key))
        if group:
            return list(group)
        raise ConfigurationError(
            f"{self.symphony.source}: no parameter {address!r}",
            context={"file": self.symphony.source, "parameter": address},
            suggested_action=self._suggestion(key),
        )

    def _suggestion(self, key: str) -> str:
        names = [p.address for p in self._params] + list(self._groups)
        close = difflib.get_close_matches(key, names, n=5, cutoff=0.6)
        hint = f" Close ones: {', '.join(close)}." if close else ""
        return f"List the addresses with `alchemiser symphony params FILE`.{hint}"

    def kind_of(self, address: str) -> ParameterKind:
        return self._kinds[self.resolve(address)[0]]

    # -- rebuilding ---------------------------------------------------------------------------
    def variant(self, assignment: Mapping[str, float]) -> Symphony:
        """The symphony with each addressed literal replaced; the same symphony when empty.

        Raises ConfigurationError naming the address for a value the field cannot take (a
        window of 0 or 10.5, a weight above 1) or two addresses naming one literal.
        """
        edits: dict[Path, dict[str, float]] = {}
        threshold: float | None = None
        claimed: dict[tuple[Path | None, str], str] = {}
        for address, raw in assignment.items():
            kind = self.kind_of(address)
            value = _checked(address, kind, raw, self.symphony.source)
            for location in self.resolve(address):
                key = (location.node_path, location.field)
                if key in claimed and claimed[key] != address:
                    raise ConfigurationError(
                        f"{address!r} and {claimed[key]!r} name the same number",
                        context={"file": self.symphony.source, "parameter": address},
                        suggested_action="Sweep each number through one address only.",
                    )
                claimed[key] = address
                if location.node_path is None:
                    threshold = value
                else:
                    edits.setdefault(location.node_path, {})[location.field] = value
        root = self._rebuild(edits) if edits else self.symphony.root
        rebalance = self.symphony.rebalance
        if threshold is not None:
            rebalance = RebalanceRule(rebalance.frequency, threshold)
        return dataclasses.replace(self.symphony, root=root, rebalance=rebalance)

    def _rebuild(self, edits: Mapping[Path, Mapping[str, float]]) -> Node:
        """Rebuild the nodes on the paths to the edits, deepest first (no recursion)."""
        touched: set[Path] = set()
        for path in edits:
            touched.update(path[:depth] for depth in range(len(path) + 1))
        replaced: dict[Path, Node] = {}
        for path in sorted(touched, key=len, reverse=True):
            node = self._nodes[path]
            children = node.children
            new_children = tuple(
                replaced.get((*path, i), child) for i, child in enumerate(children)
            )
            if any(a is not b for a, b in zip(new_children, children, strict=True)):
                node = _with_children(node, new_children)
            if path in edits:
                node = _with_fields(node, edits[path], self._human.get(path, "?"))
            replaced[path] = node
        return replaced[()]


class _Adder(Protocol):
    def __call__(
        self,
        field: str,
        value: float,
        kind: ParameterKind,
        context: str,
        ind: str | None = None,
        /,
    ) -> None: ...


def _checked(address: str, kind: ParameterKind, raw: float, source: str) -> float:
    value = float(raw)

    def bad(why: str) -> ConfigurationError:
        return ConfigurationError(
            f"{address}={raw!r}: {why}",
            context={"file": source, "parameter": address},
            suggested_action="Give a value the field can take (see `alchemiser symphony params`).",
        )

    if not math.isfinite(value):
        raise bad("not a finite number")
    if kind in _INTEGER_KINDS:
        if value != int(value) or value < 1:
            raise bad(f"a {kind.value} is a whole number of at least 1")
        return float(int(value))
    if kind is ParameterKind.WEIGHT and not 0.0 <= value <= 1.0:
        raise bad("a weight is between 0 and 1")
    if kind is ParameterKind.REBALANCE_THRESHOLD and value <= 0:
        raise bad("a rebalance corridor is positive")
    return value


def _with_children(node: Node, children: tuple[Node, ...]) -> Node:
    if isinstance(node, Group):
        return dataclasses.replace(node, child=children[0])
    if isinstance(node, WeightEqual | WeightSpecified | WeightInverseVolatility):
        return dataclasses.replace(node, nodes=children)
    if isinstance(node, If):
        return dataclasses.replace(node, then=children[0], otherwise=children[1])
    if isinstance(node, Filter):
        return dataclasses.replace(node, candidates=children)
    return node  # leaves have no children


def _with_fields(node: Node, fields: Mapping[str, float], human: str) -> Node:
    if isinstance(node, If):
        cond = node.condition
        lhs = _with_operand(cond.lhs, "cond.lhs", fields)
        rhs = _with_operand(cond.rhs, "cond.rhs", fields)
        return dataclasses.replace(node, condition=Condition(cond.comparator, lhs, rhs))
    if isinstance(node, Filter):
        metric = _with_operand(node.metric, "metric", fields)
        assert isinstance(metric, Indicator)
        count = int(fields.get("count", node.count))
        return dataclasses.replace(node, metric=metric, count=count)
    if isinstance(node, WeightInverseVolatility):
        return dataclasses.replace(node, window=int(fields.get("window", node.window)))
    if isinstance(node, WeightSpecified):
        return dataclasses.replace(node, weights=_reweighted(node.weights, fields, human))
    return node  # pragma: no cover - no parameters on other nodes


def _with_operand(operand: Operand, prefix: str, fields: Mapping[str, float]) -> Operand:
    if not isinstance(operand, Indicator):
        return fields.get(prefix, operand)
    window = fields.get(f"{prefix}.window")
    params = tuple((name, fields.get(f"{prefix}.{name}", v)) for name, v in operand.params)
    return dataclasses.replace(
        operand, window=operand.window if window is None else int(window), params=params
    )


def _reweighted(
    weights: tuple[float, ...], fields: Mapping[str, float], human: str
) -> tuple[float, ...]:
    """Set the given weights and scale the others so the node still sums to 1.

    With every weight given they must already sum to 1; the free ones keep their proportions
    (equal shares when they were all 0).
    """
    fixed = {int(k[len("weight[") : -1]): v for k, v in fields.items() if k.startswith("weight[")}
    free = [i for i in range(len(weights)) if i not in fixed]
    left = 1.0 - sum(fixed.values())
    if left < -WEIGHT_TOLERANCE or (not free and abs(left) > 1e-6):
        raise ConfigurationError(
            f"{human}: the weights given sum to {1.0 - left:g}; they must leave the node "
            "summing to 1",
            context={"parameter": human},
            suggested_action="Sweep fewer weights of one node, or values that sum to 1.",
        )
    left = max(left, 0.0)
    out = list(weights)
    for i, v in fixed.items():
        out[i] = v
    total_free = sum(weights[i] for i in free)
    for i in free:
        out[i] = left * (weights[i] / total_free if total_free > 0 else 1.0 / len(free))
    return tuple(out)
