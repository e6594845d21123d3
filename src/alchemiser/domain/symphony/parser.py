"""Read forms → the typed symphony tree (SPEC §2.1).

Conversion is bottom-up over an explicit list of containers (children before parents), so a
file nested thousands deep never touches Python's recursion limit. Every malformed form is
reported with its file:line:column; all such errors are collected in one pass and the first
(by position) is raised carrying the others, so a user fixes a file in one go.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, NoReturn

from alchemiser.domain.errors import SymphonyParseError
from alchemiser.domain.symphony.reader import Form, Kind, read_forms
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
)

METRIC_ALIASES: dict[str, Metric] = {m.value: m for m in Metric} | {
    "relative-strength-index": Metric.RSI,
    "standard-deviation-return": Metric.STDEV_RETURN,
    "standard-deviation-price": Metric.STDEV_PRICE,
}
"""Every spelling of an indicator accepted in either form (Composer's JSON names included)."""

PPO_DEFAULTS: dict[Metric, dict[str, float]] = {
    Metric.PERCENTAGE_PRICE_OSCILLATOR: {"short-window": 12.0, "long-window": 26.0},
    Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL: {
        "short-window": 12.0,
        "long-window": 26.0,
        "smooth-window": 9.0,
    },
}
"""Metrics parameterised by named windows instead of `:window` (SPEC §3), with defaults."""

WINDOWLESS = frozenset({Metric.CURRENT_PRICE})

COMPARATORS: dict[str, Comparator] = {c.value: c for c in Comparator}

_LIST, _VECTOR, _MAP = Kind.LIST, Kind.VECTOR, Kind.MAP
_STRING, _NIL = Kind.STRING, Kind.NIL
_SPECIAL_METRICS = WINDOWLESS | frozenset(PPO_DEFAULTS)
_NODE_TYPES = (
    Asset,
    Empty,
    Group,
    WeightEqual,
    WeightSpecified,
    WeightInverseVolatility,
    If,
    Filter,
)
_NODE_HINT = (
    "a node (asset, group, weight-equal, weight-specified, weight-inverse-volatility, if, filter)"
)


class SymphonyParseErrors(SymphonyParseError):  # noqa: N818 - many errors, one exception
    """The first malformed form (by position), carrying every error found in the same pass."""

    def __init__(self, errors: Sequence[SymphonyParseError]) -> None:
        ordered = sorted(errors, key=lambda e: (e.line or 0, e.column or 0))
        first = ordered[0]
        more = len(ordered) - 1
        reason = first.reason + (f" (and {more} more error{'s' * (more > 1)})" if more else "")
        super().__init__(reason, source=first.source, line=first.line, column=first.column)
        self.errors: tuple[SymphonyParseError, ...] = tuple(ordered)


@dataclass(frozen=True, slots=True)
class _Select:
    selection: Selection
    count: int


@dataclass(frozen=True, slots=True)
class _Root:
    name: str
    options: dict[str, tuple[Any, Form]]
    body: Node


class _Invalid:
    """Stands in for a form that already produced an error, so its parents stay quiet."""


_INVALID = _Invalid()


class _Poisoned(Exception):  # noqa: N818 - control flow, never escapes
    pass


def parse_clj(text: str, source: str = "<symphony>") -> Symphony:
    """Parse one symphony: a `defsymphony` form, a bare node such as `if`, or an EDN score map."""
    converter = _FormConverter(source)
    forms = read_forms(text, source, on_close=converter.close)
    if not forms:
        raise SymphonyParseError(
            'empty symphony: expected (defsymphony "name" {options} body) or a bare (if …)',
            source=source,
            line=1,
            column=1,
        )
    if len(forms) > 1:
        extra = forms[1]
        raise SymphonyParseError(
            f"expected a single top-level form, found another one ({_describe(extra)}) after the "
            f"form that starts at {forms[0].line}:{forms[0].column}",
            source=source,
            line=extra.line,
            column=extra.column,
        )
    if forms[0].kind is Kind.MAP:  # Composer's score written as EDN: {:step :root …}
        from alchemiser.domain.symphony.composer_json import parse_composer_json

        return parse_composer_json(edn_data(forms[0], source), source=source)
    return converter.symphony(forms[0])


def edn_data(top: Form, source: str = "<symphony>") -> Any:
    """A map or vector form as plain data (keywords and symbols become strings), iteratively."""
    order: list[Form] = []
    stack = [top]
    while stack:
        form = stack.pop()
        order.append(form)
        stack.extend(item for item in form.items if item.is_container)
    data: dict[int, Any] = {}
    for form in reversed(order):
        if form.kind is Kind.LIST:
            raise SymphonyParseError(
                "a list ( … ) inside a score map: expected maps, vectors and values only",
                source=source,
                line=form.line,
                column=form.column,
            )
        values = [data[id(i)] if i.is_container else _edn_atom(i) for i in form.items]
        if form.kind is Kind.VECTOR:
            data[id(form)] = values
            continue
        for key in form.items[::2]:
            if key.is_container:
                raise SymphonyParseError(
                    "a map key must be a keyword, string or number",
                    source=source,
                    line=key.line,
                    column=key.column,
                )
        data[id(form)] = dict(zip(values[::2], values[1::2], strict=True))
    return data[id(top)]


def _edn_atom(form: Form) -> Any:
    return form.text if form.kind in (Kind.KEYWORD, Kind.SYMBOL) else form.value


class _FormConverter:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[SymphonyParseError] = []
        self.invalid = False  # set once any form failed: only then look for poisoned children
        self.indicators: dict[tuple[Metric, str | None, int], Indicator] = {}  # immutable: shared
        self.handlers: dict[str, Callable[[Form, list[Form], list[object]], object]] = {
            "defsymphony": self._defsymphony,
            "asset": self._asset,
            "group": self._group,
            "weight-equal": self._weight_equal,
            "weight-specified": self._weight_specified,
            "weight-inverse-volatility": self._weight_inverse_volatility,
            "if": self._if,
            "filter": self._filter,
            "select-top": self._select,
            "select-bottom": self._select,
        }
        for op in COMPARATORS:
            self.handlers[op] = self._comparison
        for name in METRIC_ALIASES:
            self.handlers[name] = self._indicator

    # ------------------------------------------------------------------ driver
    def symphony(self, top: Form) -> Symphony:
        result = self._convert(top)
        if self.errors:
            raise SymphonyParseErrors(self.errors)
        if isinstance(result, _Root):
            return self._build_symphony(result)
        node = self._node(result, top)
        return Symphony(
            name=PurePath(self.source).stem or "symphony", root=node, source=self.source
        )

    def _convert(self, top: Form) -> object:
        if not top.is_container:
            return self._error(
                top, f"expected {_NODE_HINT} or (defsymphony …), found {_describe(top)}"
            )
        return top.parsed

    def close(self, form: Form) -> object:
        """Convert one finished container; its children were converted when they closed."""
        items: list[Form] = form.value  # type: ignore[assignment]
        values: list[object] = [item.parsed if item.kind <= _MAP else item for item in items]
        try:
            if form.kind is _LIST:
                return self._call(form, items, values)
            if form.kind is _VECTOR:
                self._poison_check(values)
                return values
            return self._map(form, items, values)
        except _Poisoned:
            return _INVALID
        except SymphonyParseError as exc:
            self.errors.append(exc)
            self.invalid = True
            return _INVALID

    def _call(self, form: Form, items: list[Form], values: list[object]) -> object:
        if not items:
            self._fail(form, f"empty list (): expected {_NODE_HINT}")
        head = items[0]
        if head.kind is not Kind.SYMBOL:
            self._fail(head, f"expected an operator name, found {_describe(head)}")
        handler = self.handlers.get(head.text)
        if handler is None:
            close = difflib.get_close_matches(str(head.value), self.handlers, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            self._fail(
                head,
                f"unknown operator '{head.value}'; {hint}expected a node (asset, group, "
                "weight-equal, weight-specified, weight-inverse-volatility, if, filter), a "
                "comparison (> < >= <= =), select-top/select-bottom or an indicator ("
                + ", ".join(m.value for m in Metric)
                + ")",
            )
        if self.invalid:
            self._poison_check(values)
        return handler(form, items[1:], values[1:])

    def _poison_check(self, values: list[object]) -> None:
        """Raise _Poisoned if a child already failed (checked only once something has)."""
        if self.invalid and any(v is _INVALID for v in values):
            raise _Poisoned

    def _map(self, form: Form, items: list[Form], values: list[object]) -> object:
        self._poison_check(values)
        out: dict[str, tuple[object, Form]] = {}
        for i in range(0, len(items), 2):
            key = items[i]
            if key.kind is not Kind.KEYWORD:
                self._fail(
                    key, f"expected a keyword such as :window as map key, found {_describe(key)}"
                )
            out[key.text] = (values[i + 1], items[i + 1])
        return out

    # ------------------------------------------------------------------ errors
    def _exc(self, form: Form, message: str) -> SymphonyParseError:
        return SymphonyParseError(message, source=self.source, line=form.line, column=form.column)

    def _fail(self, form: Form, message: str) -> NoReturn:
        raise self._exc(form, message)

    def _error(self, form: Form, message: str) -> object:
        self.errors.append(self._exc(form, message))
        self.invalid = True
        return _INVALID

    # ------------------------------------------------------------------ helpers
    def _node(self, value: object, form: Form) -> Node:
        if isinstance(value, _NODE_TYPES):
            return value
        if isinstance(value, list):
            return self._branch(value, form)
        raise self._exc(form, f"expected {_NODE_HINT}, found {_describe_value(value, form)}")

    def _nodes(self, args: list[Form], values: list[object]) -> list[Node]:
        """Children written either as one vector `[a b]` or as bare arguments `a b`."""
        out: list[Node] = []
        for value, form in zip(values, args, strict=True):
            if isinstance(value, list):
                out.extend(self._node(v, f) for v, f in zip(value, form.items, strict=True))
            else:
                out.append(self._node(value, form))
        return out

    def _branch(self, values: list[object], form: Form) -> Node:
        """A vector of nodes: none allocates nothing, several are an equal split (SPEC §2.1)."""
        nodes: list[Node] = []
        for value, item in zip(values, form.items, strict=True):
            if not isinstance(value, _NODE_TYPES):
                what = "a vector inside a vector" if isinstance(value, list) else None
                raise self._exc(
                    item, f"expected {_NODE_HINT}, found {what or _describe_value(value, item)}"
                )
            nodes.append(value)
        return _equal(nodes, form)

    def _string(self, form: Form, what: str) -> str:
        if form.kind is not Kind.STRING:
            self._fail(
                form, f"expected {what} as a string in double quotes, found {_describe(form)}"
            )
        return form.text

    def _integer(self, form: Form, what: str) -> int:
        if form.kind is not Kind.NUMBER:
            self._fail(form, f"expected {what} as a whole number, found {_describe(form)}")
        value = form.number
        if not value.is_integer():
            self._fail(form, f"expected {what} as a whole number, found {form.value!r}")
        return int(value)

    def _arity(self, form: Form, args: list[Form], low: int, high: int | None, usage: str) -> None:
        if len(args) < low or (high is not None and len(args) > high):
            self._fail(form, f"wrong number of arguments ({len(args)}): expected {usage}")

    # ------------------------------------------------------------------ forms
    def _defsymphony(self, form: Form, args: list[Form], values: list[object]) -> _Root:
        usage = '(defsymphony "name" {:rebalance-frequency :daily} body)'
        self._arity(form, args, 2, None, usage)
        name = self._string(args[0], "the symphony name")
        options: dict[str, tuple[Any, Form]] = {}
        body_args, body_values = args[1:], values[1:]
        if args[1].kind is Kind.MAP:
            options = values[1]  # type: ignore[assignment]
            body_args, body_values = args[2:], values[2:]
        if not body_args:
            self._fail(form, f"defsymphony has no body: expected {usage}")
        nodes = self._nodes(body_args, body_values)
        return _Root(name, options, _equal(nodes, form))

    def _build_symphony(self, root: _Root) -> Symphony:
        frequency: RebalanceFrequency | None = None
        threshold: float | None = None
        asset_class = "EQUITIES"
        description = ""
        errors: list[SymphonyParseError] = []
        for key, (value, vform) in root.options.items():
            try:
                if key == "rebalance-frequency":
                    word = value.text if isinstance(value, Form) else ""
                    if (
                        not isinstance(value, Form)
                        or value.kind not in (Kind.KEYWORD, Kind.STRING)
                        or word not in RebalanceFrequency.__members__.values()
                    ):
                        allowed = " ".join(f":{f.value}" for f in RebalanceFrequency)
                        self._fail(vform, f"expected :rebalance-frequency to be one of {allowed}")
                    frequency = RebalanceFrequency(word)
                elif key == "rebalance-threshold":
                    if not isinstance(value, Form) or value.kind is not Kind.NUMBER:
                        self._fail(
                            vform, "expected :rebalance-threshold to be a number such as 0.05"
                        )
                    threshold = vform.number
                elif key == "asset-class":
                    asset_class = self._string(vform, ":asset-class")
                elif key == "description":
                    description = self._string(vform, ":description")
                # other options (Composer adds new ones over time) do not change the allocation
            except SymphonyParseError as exc:
                errors.append(exc)
        if errors:
            raise SymphonyParseErrors(errors)
        if frequency is None:
            frequency = (
                RebalanceFrequency.NONE if threshold is not None else RebalanceFrequency.DAILY
            )
        return Symphony(
            name=root.name,
            root=root.body,
            rebalance=RebalanceRule(frequency, threshold),
            asset_class=asset_class,
            description=description,
            source=self.source,
        )

    def _asset(self, form: Form, args: list[Form], values: list[object]) -> Asset:
        if len(args) == 2 and args[0].kind is _STRING:  # the usual shape, checked cheaply
            name_form = args[1]
            if name_form.kind is _STRING or name_form.kind is _NIL:
                return Asset(args[0].value, name_form.value, position=form.position)  # type: ignore[arg-type]
        self._arity(form, args, 1, 2, '(asset "TICKER") or (asset "TICKER" "display name")')
        ticker = self._string(args[0], "the ticker")
        name: str | None = None
        if len(args) == 2 and args[1].kind is not Kind.NIL:
            name = self._string(args[1], "the display name (or nil)")
        return Asset(ticker, name, position=form.position)

    def _group(self, form: Form, args: list[Form], values: list[object]) -> Group:
        self._arity(form, args, 1, None, '(group "name" [child])')
        name = self._string(args[0], "the group name")
        child = _equal(self._nodes(args[1:], values[1:]), form)
        return Group(name, child, position=form.position)

    def _weight_equal(self, form: Form, args: list[Form], values: list[object]) -> Node:
        return _equal(self._nodes(args, values), form)

    def _weight_specified(self, form: Form, args: list[Form], values: list[object]) -> Node:
        if len(args) == 1 and args[0].kind is Kind.VECTOR:
            args, values = args[0].items, values[0]  # type: ignore[assignment]
        if len(args) % 2:
            self._fail(
                args[-1] if args else form,
                "weight-specified expects weight/child pairs (w1 c1 w2 c2 …); "
                "the last weight has no child",
            )
        weights: list[float] = []
        nodes: list[Node] = []
        for i in range(0, len(args), 2):
            wform = args[i]
            if wform.kind is not Kind.NUMBER or isinstance(wform.value, bool):
                self._fail(
                    wform, f"expected a numeric weight such as 0.5, found {_describe(wform)}"
                )
            weights.append(wform.number)
            nodes.append(self._node(values[i + 1], args[i + 1]))
        if not nodes:
            return Empty(position=form.position)
        return WeightSpecified(tuple(weights), tuple(nodes), position=form.position)

    def _weight_inverse_volatility(
        self, form: Form, args: list[Form], values: list[object]
    ) -> Node:
        self._arity(form, args, 1, None, "(weight-inverse-volatility WINDOW [children…])")
        window = self._integer(args[0], "the volatility window in days")
        nodes = self._nodes(args[1:], values[1:])
        if not nodes:
            return Empty(position=form.position)
        return WeightInverseVolatility(window, tuple(nodes), position=form.position)

    def _if(self, form: Form, args: list[Form], values: list[object]) -> If:
        usage = "(if CONDITION [then…] [else…])"
        if len(args) == 2:
            self._fail(form, f"`if` has only one branch: expected {usage} with an else-branch")
        self._arity(form, args, 3, 3, usage)
        condition = values[0]
        if not isinstance(condition, Condition):
            self._fail(
                args[0],
                'expected a comparison such as (> (rsi "SPY" {:window 10}) 70), found '
                + _describe_value(condition, args[0]),
            )
        then = self._node(values[1], args[1])
        otherwise = self._node(values[2], args[2])
        return If(condition, then, otherwise, position=form.position)

    def _comparison(self, form: Form, args: list[Form], values: list[object]) -> Condition:
        op = form.items[0].text
        self._arity(form, args, 2, 2, f"({op} LEFT RIGHT), each a number or an indicator call")
        lhs = self._operand(values[0], args[0])
        rhs = self._operand(values[1], args[1])
        return Condition(COMPARATORS[op], lhs, rhs)

    def _operand(self, value: object, form: Form) -> Operand:
        if isinstance(value, Indicator):
            if value.ticker is None:
                self._fail(
                    form, f"indicator ({value.metric.value} …) in a comparison needs a ticker"
                )
            return value
        if (
            isinstance(value, Form)
            and value.kind is Kind.NUMBER
            and not isinstance(value.value, bool)
        ):
            return value.number
        raise self._exc(
            form,
            'expected a number or an indicator call such as (rsi "SPY" {:window 10}), found '
            + _describe_value(value, form),
        )

    def _indicator(self, form: Form, args: list[Form], values: list[object]) -> Indicator:
        name = form.items[0].text
        metric = METRIC_ALIASES[name]
        options = values[-1] if values else None
        if (  # the usual shape, ("T") {:window N}, checked cheaply
            type(options) is dict
            and len(options) == 1
            and len(args) <= 2
            and (len(args) == 1 or args[0].kind is _STRING)
            and metric not in _SPECIAL_METRICS
        ):
            window_form: Form | None = options.get("window", (None, None))[1]
            if window_form is not None and type(window_form.value) is int:
                ticker = args[0].text if len(args) == 2 else None
                key = (metric, ticker, window_form.value)
                cached = self.indicators.get(key)
                if cached is None:
                    cached = self.indicators[key] = Indicator(*key)
                return cached
        return self._any_indicator(form, name, metric, args, values)

    def _any_indicator(
        self, form: Form, name: str, metric: Metric, args: list[Form], values: list[object]
    ) -> Indicator:
        ticker: str | None = None
        options: dict[str, tuple[object, Form]] = {}
        rest = list(zip(args, values, strict=True))
        if rest and rest[0][0].kind is Kind.STRING:
            ticker = rest.pop(0)[0].text
        if rest and isinstance(rest[0][1], dict):
            options = rest.pop(0)[1]  # type: ignore[assignment]
        if rest:
            self._fail(
                rest[0][0],
                f"unexpected {_describe(rest[0][0])} in ({name} …): expected "
                f'({name} "TICKER" {{:window N}}) or, inside a filter, ({name} {{:window N}})',
            )
        window: int | None = None
        params: dict[str, float] = {}
        if metric in PPO_DEFAULTS:
            params = dict(PPO_DEFAULTS[metric])
            for key, (_, vform) in options.items():
                if key not in params:
                    self._fail(
                        vform, f"unknown option :{key} for {name}; expected " + _keys(params)
                    )
                params[key] = float(self._integer(vform, f":{key}"))
        else:
            for key, (_, vform) in options.items():
                if key != "window":
                    self._fail(vform, f"unknown option :{key} for {name}; expected :window")
            if metric not in WINDOWLESS:
                if "window" not in options:
                    example = f'"{ticker}" ' if ticker else ""
                    self._fail(
                        form,
                        f"missing window: expected ({name} {example}{{:window N}})",
                    )
                window = self._integer(options["window"][1], "the :window")
        return Indicator(metric, ticker, window, tuple(sorted(params.items())))

    def _select(self, form: Form, args: list[Form], values: list[object]) -> _Select:
        name = form.items[0].text
        self._arity(form, args, 1, 1, f"({name} COUNT)")
        count = self._integer(args[0], f"the {name} count")
        return _Select(Selection.TOP if name == "select-top" else Selection.BOTTOM, count)

    def _filter(self, form: Form, args: list[Form], values: list[object]) -> Filter:
        usage = "(filter (metric {:window N}) (select-top K) [candidates…])"
        self._arity(form, args, 2, None, usage)
        metric, select = values[0], values[1]
        if not isinstance(metric, Indicator):
            self._fail(
                args[0],
                f"expected the ranking metric of {usage}, found {_describe_value(metric, args[0])}",
            )
        if metric.ticker is not None:
            self._fail(
                args[0], "a filter's metric applies to each candidate: write it without a ticker"
            )
        if not isinstance(select, _Select):
            self._fail(
                args[1],
                "expected (select-top K) or (select-bottom K), found "
                + _describe_value(select, args[1]),
            )
        candidates = self._nodes(args[2:], values[2:])
        return Filter(
            metric,
            select.selection,
            select.count,
            tuple(candidates),
            position=form.position,
        )


def _equal(nodes: list[Node], form: Form) -> Node:
    if not nodes:
        return Empty(position=form.position)
    if len(nodes) == 1:
        return nodes[0]
    return WeightEqual(tuple(nodes), position=form.position)


def _keys(params: dict[str, float]) -> str:
    return ", ".join(f":{k}" for k in sorted(params))


def _describe(form: Form) -> str:
    if form.kind is Kind.LIST:
        head = form.items[0] if form.items else None
        return f"({head.value} …)" if head is not None and head.kind is Kind.SYMBOL else "a list"
    if form.kind is Kind.VECTOR:
        return "a vector [...]"
    if form.kind is Kind.MAP:
        return "a map {...}"
    if form.kind is Kind.STRING:
        text = form.text if len(form.text) <= 40 else form.text[:37] + "..."
        return f'the string "{text}"'
    if form.kind is Kind.KEYWORD:
        return f"the keyword :{form.value}"
    if form.kind is Kind.SYMBOL:
        return f"the symbol {form.value}"
    if form.kind is Kind.NIL:
        return "nil"
    return f"{form.kind.name.lower()} {form.value!r}"


def _describe_value(value: object, form: Form) -> str:
    if isinstance(value, Condition):
        return "a comparison"
    if isinstance(value, Indicator):
        return f"an indicator call ({value.metric.value} …)"
    if isinstance(value, _Select):
        return f"(select-{value.selection.value} {value.count})"
    if isinstance(value, _Root):
        return "a nested defsymphony"
    return _describe(form)
