"""Composer's JSON "symphony score" (SPEC §2.2) to and from the typed tree.

Both directions walk the tree with explicit stacks (children before parents on import, parents
before children on export) so depth never meets Python's recursion limit. Export produces ids
that are deterministic (uuid5 of the tree digest and the node's position in pre-order), so the
same symphony always exports to the same bytes.

Round trips keep the allocation: `.clj` → JSON → tree yields the same digest. Where Composer's
format has no room for something our tree allows (a number on the left of a comparison), the
export writes `lhs-fixed-value?: true` with a numeric `lhs-val`, which this importer reads back.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

from alchemiser.domain.errors import SymphonyParseError
from alchemiser.domain.symphony import _deep_json as deep_json
from alchemiser.domain.symphony.parser import METRIC_ALIASES, PPO_DEFAULTS, WINDOWLESS
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
    RebalanceFrequency,
    RebalanceRule,
    Selection,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
    branch_elements,
)

JSON_COMPARATORS: dict[str, Comparator] = {
    "gt": Comparator.GT,
    "gte": Comparator.GTE,
    "lt": Comparator.LT,
    "lte": Comparator.LTE,
    "eq": Comparator.EQ,
} | {c.value: c for c in Comparator}
_COMPARATOR_NAMES = {
    Comparator.GT: "gt",
    Comparator.GTE: "gte",
    Comparator.LT: "lt",
    Comparator.LTE: "lte",
    Comparator.EQ: "eq",
}
_JSON_METRIC_NAMES = {
    Metric.RSI: "relative-strength-index",
    Metric.STDEV_RETURN: "standard-deviation-return",
    Metric.STDEV_PRICE: "standard-deviation-price",
}
Entry = tuple[Node, list[dict[str, Any]], float | None]
_ID_NAMESPACE = uuid.UUID("6f1c4d52-4f0e-5a3b-9d3c-1b2a7c9e0d11")


# ====================================================================================== import
def parse_composer_json(data: str | bytes | Mapping[str, Any], source: str = "<json>") -> Symphony:
    """Load a Composer score (text or already-decoded dict) into the typed tree."""
    if isinstance(data, str | bytes):
        try:
            decoded = deep_json.loads(data)
        except (json.JSONDecodeError, deep_json.DeepJSONError) as exc:
            raise SymphonyParseError(
                f"invalid JSON: {exc.msg}", source=source, line=exc.lineno, column=exc.colno
            ) from None
    else:
        decoded = data
    return _JsonImporter(source).symphony(_unwrap(decoded, source))


def _unwrap(decoded: Any, source: str) -> dict[str, Any]:
    """Accept the bare score, `{"raw_value": score}` and `{"symphony": {"raw_value": …}}`."""
    for _ in range(3):
        if isinstance(decoded, dict) and "step" not in decoded:
            inner = decoded.get("raw_value", decoded.get("symphony", decoded.get("score")))
            if isinstance(inner, str):
                try:
                    inner = deep_json.loads(inner)
                except (json.JSONDecodeError, deep_json.DeepJSONError) as exc:
                    raise SymphonyParseError(
                        f"invalid JSON in raw_value: {exc.msg}", source=source
                    ) from None
            if inner is None:
                break
            decoded = inner
    if not isinstance(decoded, dict) or "step" not in decoded:
        raise SymphonyParseError(
            'not a Composer symphony score: expected an object with "step": "root"',
            source=source,
        )
    return decoded


class _JsonImporter:
    def __init__(self, source: str) -> None:
        self.source = source
        self.dicts: list[dict[str, Any]] = []
        self.parents: list[int] = []
        self.slots: list[int] = []
        self.kids: list[list[int]] = []

    def fail(self, index: int, message: str) -> SymphonyParseError:
        return SymphonyParseError(
            f"at {self.path(index)}: {message}",
            source=self.source,
            context={"path": self.path(index)},
        )

    def path(self, index: int) -> str:
        """The JSON path of step `index`, e.g. `$.children[0].children[2]`."""
        parts: list[str] = []
        while index > 0:
            parts.append(f".children[{self.slots[index]}]")
            index = self.parents[index]
        return "$" + "".join(reversed(parts))

    def symphony(self, top: dict[str, Any]) -> Symphony:
        kids = self.kids = self._collect(top)
        results: list[Any] = [None] * len(self.dicts)
        for index in range(len(self.dicts) - 1, 0, -1):
            result = self._convert(index, [results[k] for k in kids[index]])
            if _is_node(result) and result.path is None:  # where the validator points
                object.__setattr__(result, "path", self.path(index))
            results[index] = result
        body_values = [results[k] for k in kids[0]]
        if top.get("step") != "root":
            node = self._convert(0, body_values)
            if not _is_node(node):
                raise self.fail(
                    0, f"a score must start with a root or a node, found {top['step']!r}"
                )
            return Symphony(name=str(top.get("name") or "symphony"), root=node, source=self.source)
        body = _equal(self._only_nodes(0, body_values))
        return Symphony(
            name=str(top.get("name") or "symphony"),
            root=body,
            rebalance=self._rebalance(top),
            asset_class=str(top.get("asset-class", top.get("asset_class", "EQUITIES"))),
            description=str(top.get("description") or ""),
            source=self.source,
        )

    def _collect(self, top: dict[str, Any]) -> list[list[int]]:
        kids: list[list[int]] = []
        stack: list[tuple[Any, int, int]] = [(top, -1, 0)]
        while stack:
            item, parent, slot = stack.pop()
            index = len(self.dicts)
            self.dicts.append(item if isinstance(item, dict) else {})
            self.parents.append(parent)
            self.slots.append(slot)
            kids.append([])
            if parent >= 0:
                kids[parent].append(index)
            if not isinstance(item, dict):
                raise self.fail(index, f"expected a step object, found {type(item).__name__}")
            if "step" not in item:
                raise self.fail(index, 'a node without "step"')
            children = item.get("children", [])
            if children is None:
                children = []
            if not isinstance(children, list):
                raise self.fail(index, '"children" must be a list')
            for slot_no in range(len(children) - 1, -1, -1):
                stack.append((children[slot_no], index, slot_no))
        return kids

    def _rebalance(self, top: dict[str, Any]) -> RebalanceRule:
        raw = top.get("rebalance") or "daily"
        try:
            frequency = RebalanceFrequency(str(raw).lower())
        except ValueError:
            allowed = ", ".join(f.value for f in RebalanceFrequency)
            raise self.fail(0, f"unknown rebalance {raw!r}; expected one of {allowed}") from None
        corridor = top.get("rebalance-corridor-width")
        threshold = (
            None if corridor is None else self._number(0, corridor, "rebalance-corridor-width")
        )
        return RebalanceRule(frequency, threshold)

    def _only_nodes(self, index: int, values: list[Any]) -> list[Node]:
        for slot, value in enumerate(values):
            if not _is_node(value):
                raise self.fail(
                    index, f"children[{slot}] is not a node (an if-child outside an if?)"
                )
        return values

    def _number(self, index: int, value: Any, what: str) -> float:
        if isinstance(value, bool):
            raise self.fail(index, f"{what} must be a number, found {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise self.fail(index, f"{what} must be a number, found {value!r}") from None

    def _integer(self, index: int, value: Any, what: str) -> int:
        number = self._number(index, value, what)
        if not math.isfinite(number):
            raise self.fail(index, f"{what} must be a finite whole number, found {number}")
        if not number.is_integer():
            raise self.fail(index, f"{what} must be a whole number, found {value!r}")
        return int(number)

    def _convert(self, index: int, values: list[Any]) -> Any:
        d = self.dicts[index]
        step = d["step"]
        if step == "if-child":
            return self._if_child(index, d, values)
        if step == "if":
            return self._if(index, values)
        nodes = self._only_nodes(index, values)
        if step == "asset":
            ticker = d.get("ticker")
            if not isinstance(ticker, str) or not ticker:
                raise self.fail(index, 'asset without a "ticker"')
            name = d.get("name")
            return Asset(ticker, None if name is None else str(name))
        if step == "empty":
            return Empty()
        if step == "group":
            return Group(str(d.get("name") or ""), _equal(nodes))
        if step == "wt-cash-equal":
            return _equal(nodes)
        if step == "wt-cash-specified":
            if not nodes:
                return Empty()
            weights = tuple(
                self._weight(index, self.dicts[k], slot) for slot, k in enumerate(self.kids[index])
            )
            return WeightSpecified(weights, tuple(nodes))
        if step == "wt-inverse-vol":
            window = self._integer(index, d.get("window-days"), "window-days")
            return WeightInverseVolatility(window, tuple(nodes)) if nodes else Empty()
        if step == "filter":
            metric = self._indicator(index, d, "sort-by", with_ticker=False)
            select = str(d.get("select-fn", "")).lower()
            if select not in ("top", "bottom"):
                raise self.fail(index, f'select-fn must be "top" or "bottom", found {select!r}')
            count = self._integer(index, d.get("select-n"), "select-n")
            return Filter(metric, Selection(select), count, tuple(nodes))
        raise self.fail(
            index,
            f"unsupported step {step!r}; expected root, asset, empty, group, wt-cash-equal, "
            "wt-cash-specified, wt-inverse-vol, if, if-child or filter",
        )

    def _weight(self, index: int, child: dict[str, Any], slot: int) -> float:
        weight = child.get("weight")
        what = f"children[{slot}].weight"
        if isinstance(weight, dict):
            num = self._number(index, weight.get("num"), f"{what}.num")
            den = self._number(index, weight.get("den", 100), f"{what}.den")
            if den == 0:
                raise self.fail(index, f"{what}.den is zero")
            return num / den
        if weight is None:
            raise self.fail(index, f'{what} is missing: wt-cash-specified needs {{"num", "den"}}')
        return self._number(index, weight, what)

    def _if_child(self, index: int, d: dict[str, Any], values: list[Any]) -> tuple[Any, ...]:
        body = _equal(self._only_nodes(index, values))
        if d.get("is-else-condition?") is True:
            return ("else", body)
        if "condition" in d and "lhs-fn" not in d:
            raise self.fail(
                index,
                "compound conditions (condition.conditions) are not supported; split them "
                "into nested ifs",
            )
        comparator = JSON_COMPARATORS.get(str(d.get("comparator")))
        if comparator is None:
            raise self.fail(
                index, f"unknown comparator {d.get('comparator')!r}; expected gt, gte, lt, lte, eq"
            )
        lhs: Operand
        if d.get("lhs-fixed-value?") is True:
            lhs = self._number(index, d.get("lhs-val"), "lhs-val")
        else:
            lhs = self._indicator(index, d, "lhs", with_ticker=True)
        rhs: Operand
        fixed = d.get("rhs-fixed-value?")
        if fixed is True or (fixed is None and "rhs-fn" not in d):
            rhs = self._number(index, d.get("rhs-val"), "rhs-val")
        else:
            rhs = self._indicator(index, d, "rhs", with_ticker=True)
        return ("then", Condition(comparator, lhs, rhs), body, self.path(index))

    def _if(self, index: int, values: list[Any]) -> Node:
        branches = [v for v in values if isinstance(v, tuple)]
        if len(branches) != len(values):
            raise self.fail(index, "an if's children must all be if-child steps")
        thens = [b for b in branches if b[0] == "then"]
        elses = [b for b in branches if b[0] == "else"]
        if not thens or len(elses) != 1:
            raise self.fail(
                index,
                f"an if needs a condition child and exactly one else child "
                f"(is-else-condition? true); found {len(thens)} and {len(elses)}",
            )
        # several condition children are an else-if chain, tried in order
        node: Node = elses[0][1]
        for _, condition, body, path in reversed(thens):
            node = If(condition, body, node, path=path)
        return node

    def _indicator(
        self, index: int, d: dict[str, Any], side: str, *, with_ticker: bool
    ) -> Indicator:
        raw = d.get(f"{side}-fn")
        metric = METRIC_ALIASES.get(str(raw))
        if metric is None:
            raise self.fail(index, f"unknown {side}-fn {raw!r}")
        ticker: str | None = None
        if with_ticker:
            value = d.get(f"{side}-val")
            if not isinstance(value, str) or not value:
                raise self.fail(index, f"{side}-val must be the ticker of {side}-fn {raw}")
            ticker = value
        params = d.get(f"{side}-fn-params") or {}
        if not isinstance(params, dict):
            raise self.fail(index, f"{side}-fn-params must be an object")
        window: int | None = None
        extra: dict[str, float] = {}
        if metric in PPO_DEFAULTS:
            extra = dict(PPO_DEFAULTS[metric])
            for key, value in params.items():
                if key in extra:
                    extra[key] = float(self._integer(index, value, f"{side}-fn-params.{key}"))
        elif metric not in WINDOWLESS:
            raw_window = params.get("window", d.get(f"{side}-window-days"))
            if raw_window is None:
                raise self.fail(index, f"{side}-fn {raw} needs a window ({side}-fn-params.window)")
            window = self._integer(index, raw_window, f"{side} window")
        return Indicator(metric, ticker, window, tuple(sorted(extra.items())))


def _is_node(value: Any) -> bool:
    return isinstance(
        value,
        Asset
        | Empty
        | Group
        | WeightEqual
        | WeightSpecified
        | WeightInverseVolatility
        | If
        | Filter,
    )


def _equal(nodes: list[Node]) -> Node:
    if not nodes:
        return Empty()
    if len(nodes) == 1:
        return nodes[0]
    return WeightEqual(tuple(nodes))


# ====================================================================================== export
def to_composer_json(symphony: Symphony) -> dict[str, Any]:
    """The score Composer would show for `symphony` (a plain, JSON-serialisable dict)."""
    counter = iter(range(1 << 62))
    seed = symphony.digest

    def new_id() -> str:
        return str(uuid.uuid5(_ID_NAMESPACE, f"{seed}/{next(counter)}"))

    root: dict[str, Any] = {
        "id": new_id(),
        "step": "root",
        "name": symphony.name,
        "description": symphony.description,
        "rebalance": symphony.rebalance.frequency.value,
        "asset_class": symphony.asset_class,
        "children": [],
    }
    if symphony.rebalance.threshold is not None:
        root["rebalance-corridor-width"] = symphony.rebalance.threshold

    def weight_step(node: Node, into: list[dict[str, Any]]) -> Entry:
        """Composer's root and group hold exactly one weight step: wrap anything else in one."""
        if isinstance(node, WeightEqual | WeightSpecified | WeightInverseVolatility):
            return (node, into, None)
        wrapper: dict[str, Any] = {"id": new_id(), "step": "wt-cash-equal", "children": []}
        into.append(wrapper)
        return (node, wrapper["children"], None)

    # (node, list to append the node's dict to, weight for a wt-cash-specified parent)
    stack: list[Entry] = [weight_step(symphony.root, root["children"])]
    while stack:
        node, into, weight = stack.pop()
        out: dict[str, Any] = {"id": new_id()}
        into.append(out)
        if weight is not None:
            out["weight"] = _fraction(weight)
        pending: list[Entry] = []
        if isinstance(node, Asset):
            out |= {"step": "asset", "ticker": node.ticker}
            if node.name is not None:
                out["name"] = node.name
        elif isinstance(node, Empty):
            out["step"] = "empty"
        elif isinstance(node, Group):
            out |= {"step": "group", "name": node.name, "children": []}
            pending.append(weight_step(node.child, out["children"]))
        elif isinstance(node, WeightEqual):
            out |= {"step": "wt-cash-equal", "children": []}
            pending.extend((c, out["children"], None) for c in node.nodes)
        elif isinstance(node, WeightSpecified):
            out |= {"step": "wt-cash-specified", "children": []}
            pending.extend(
                (c, out["children"], w) for w, c in zip(node.weights, node.nodes, strict=True)
            )
        elif isinstance(node, WeightInverseVolatility):
            out |= {"step": "wt-inverse-vol", "window-days": node.window, "children": []}
            pending.extend((c, out["children"], None) for c in node.nodes)
        elif isinstance(node, If):
            then: dict[str, Any] = {
                "id": new_id(),
                "step": "if-child",
                "is-else-condition?": False,
                **_condition_fields(node.condition),
                "children": [],
            }
            other: dict[str, Any] = {
                "id": new_id(),
                "step": "if-child",
                "is-else-condition?": True,
                "children": [],
            }
            out |= {"step": "if", "children": [then, other]}
            pending.extend((c, then["children"], None) for c in branch_elements(node.then))
            pending.extend((c, other["children"], None) for c in branch_elements(node.otherwise))
        elif isinstance(node, Filter):
            out |= {
                "step": "filter",
                "sort-by-fn": _metric_name(node.metric.metric),
                "sort-by-fn-params": _fn_params(node.metric),
                "select-fn": node.selection.value,
                "select-n": node.count,
                "children": [],
            }
            pending.extend((c, out["children"], None) for c in node.candidates)
        stack.extend(reversed(pending))
    return root


def dumps_composer_json(symphony: Symphony) -> str:
    """`to_composer_json` as compact text, like Composer's own exports.

    Compact on purpose: `json.dumps(indent=…)` uses a recursive pure-Python encoder (slow, and
    an indented 288-deep score grows twentyfold); the compact encoder is in C.
    """
    text = deep_json.dumps(to_composer_json(symphony)) + "\n"
    deep_json.refuse_too_deep(text, deep_json.MAX_DEPTH, symphony.source, "Composer JSON")
    return text


def _fraction(weight: float) -> dict[str, float | int]:
    """{num, den} over 100 as Composer writes it, unless that would not give `weight` back."""
    num = weight * 100
    if num / 100 != weight:
        return {"num": _compact(weight), "den": 1}
    return {"num": _compact(num), "den": 100}


def _compact(value: float) -> float | int:
    negative_zero = value == 0 and math.copysign(1.0, value) < 0
    whole = float(value).is_integer() and abs(value) < 1e15 and not negative_zero
    return int(value) if whole else value


def _metric_name(metric: Metric) -> str:
    return _JSON_METRIC_NAMES.get(metric, metric.value)


def _fn_params(indicator: Indicator) -> dict[str, float | int]:
    params: dict[str, float | int] = {k: _compact(v) for k, v in indicator.params}
    if indicator.window is not None:
        params["window"] = indicator.window
    return params


def _side_fields(side: str, operand: Operand) -> dict[str, Any]:
    if isinstance(operand, Indicator):
        return {
            f"{side}-fn": _metric_name(operand.metric),
            f"{side}-val": operand.ticker,
            f"{side}-fn-params": _fn_params(operand),
        }
    return {f"{side}-fixed-value?": True, f"{side}-val": _compact(float(operand))}


def _condition_fields(condition: Condition) -> dict[str, Any]:
    fields = {"comparator": _COMPARATOR_NAMES[condition.comparator]}
    fields |= _side_fields("lhs", condition.lhs)
    rhs = _side_fields("rhs", condition.rhs)
    if isinstance(condition.rhs, Indicator):
        rhs["rhs-fixed-value?"] = False
    return fields | rhs


__all__ = ["dumps_composer_json", "parse_composer_json", "to_composer_json"]
