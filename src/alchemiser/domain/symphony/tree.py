"""The typed, immutable symphony tree that both the `.clj` and the JSON forms load into.

Every node carries a content digest computed from its own parameters and its children's digests
at construction time, so building and hashing a 288-deep tree never recurses, and identical
subtrees (even under different group names) share one digest: the evaluator caches by it.
Equality and hashing use the digest, never a deep comparison.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum


class Metric(StrEnum):
    """Indicator names as the `.clj` form spells them (SPEC §3)."""

    CURRENT_PRICE = "current-price"
    MOVING_AVERAGE_PRICE = "moving-average-price"
    EXPONENTIAL_MOVING_AVERAGE_PRICE = "exponential-moving-average-price"
    RSI = "rsi"
    CUMULATIVE_RETURN = "cumulative-return"
    MOVING_AVERAGE_RETURN = "moving-average-return"
    STDEV_RETURN = "stdev-return"
    STDEV_PRICE = "stdev-price"
    MAX_DRAWDOWN = "max-drawdown"
    PERCENTAGE_PRICE_OSCILLATOR = "percentage-price-oscillator"
    PERCENTAGE_PRICE_OSCILLATOR_SIGNAL = "percentage-price-oscillator-signal"


class Comparator(StrEnum):
    GT = ">"
    GTE = ">="
    LT = "<"
    LTE = "<="
    EQ = "="


class Selection(StrEnum):
    TOP = "top"
    BOTTOM = "bottom"


class RebalanceFrequency(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, keep: str = "") -> str:
    """`text` without control characters (terminal escapes, bidi overrides): names come from
    files anyone can write and end up on terminals, in logs and in e-mails."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else "", text)


def _digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator call. `ticker` is None inside a filter (applied to each candidate).

    `params` holds extra keyword parameters (PPO's short/long/smooth windows) sorted by name.
    """

    metric: Metric
    ticker: str | None
    window: int | None
    params: tuple[tuple[str, float], ...] = ()

    @property
    def digest(self) -> str:
        return _digest("ind", self.metric, self.ticker, self.window, self.params)


Operand = Indicator | float


@dataclass(frozen=True, slots=True)
class Condition:
    comparator: Comparator
    lhs: Operand
    rhs: Operand

    @property
    def digest(self) -> str:
        def part(op: Operand) -> str:
            return op.digest if isinstance(op, Indicator) else repr(float(op))

        return _digest("cond", self.comparator, part(self.lhs), part(self.rhs))


@dataclass(frozen=True, eq=False)
class _Node:
    """Base: `digest` identifies content; `position` is (line, column) in a `.clj` source and
    `path` the JSON path (`$.children[0]`) in a Composer JSON source, when known."""

    digest: str = field(init=False, repr=False)
    position: tuple[int, int] | None = field(default=None, kw_only=True, compare=False)
    path: str | None = field(default=None, kw_only=True, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", self._content_digest())
        name = getattr(self, "name", None)
        if isinstance(name, str):
            object.__setattr__(self, "name", printable(name))

    def _content_digest(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Node) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    @property
    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, eq=False)
class Asset(_Node):
    ticker: str
    name: str | None = None

    def _content_digest(self) -> str:
        return _digest("asset", self.ticker)


@dataclass(frozen=True, eq=False)
class Empty(_Node):
    """Composer JSON's `empty` step: allocates nothing."""

    def _content_digest(self) -> str:
        return _digest("empty")


@dataclass(frozen=True, eq=False)
class Group(_Node):
    """A named wrapper. Its name is for people; its digest ignores it (SPEC §2.1)."""

    name: str
    child: Node

    def _content_digest(self) -> str:
        return _digest("group", self.child.digest)

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.child,)


@dataclass(frozen=True, eq=False)
class WeightEqual(_Node):
    nodes: tuple[Node, ...]

    def _content_digest(self) -> str:
        return _digest("equal", *(c.digest for c in self.nodes))

    @property
    def children(self) -> tuple[Node, ...]:
        return self.nodes


@dataclass(frozen=True, eq=False)
class WeightSpecified(_Node):
    weights: tuple[float, ...]
    nodes: tuple[Node, ...]

    def _content_digest(self) -> str:
        parts = (f"{w!r}:{c.digest}" for w, c in zip(self.weights, self.nodes, strict=True))
        return _digest("specified", *parts)

    @property
    def children(self) -> tuple[Node, ...]:
        return self.nodes


@dataclass(frozen=True, eq=False)
class WeightInverseVolatility(_Node):
    window: int
    nodes: tuple[Node, ...]

    def _content_digest(self) -> str:
        return _digest("inverse-vol", self.window, *(c.digest for c in self.nodes))

    @property
    def children(self) -> tuple[Node, ...]:
        return self.nodes


@dataclass(frozen=True, eq=False)
class If(_Node):
    condition: Condition
    then: Node
    otherwise: Node

    def _content_digest(self) -> str:
        return _digest("if", self.condition.digest, self.then.digest, self.otherwise.digest)

    @property
    def children(self) -> tuple[Node, ...]:
        return (self.then, self.otherwise)


@dataclass(frozen=True, eq=False)
class Filter(_Node):
    """Rank `candidates` by `metric` (ticker None) per date and keep the top/bottom `count`."""

    metric: Indicator
    selection: Selection
    count: int
    candidates: tuple[Node, ...]

    def _content_digest(self) -> str:
        return _digest(
            "filter",
            self.metric.digest,
            self.selection,
            self.count,
            *(c.digest for c in self.candidates),
        )

    @property
    def children(self) -> tuple[Node, ...]:
        return self.candidates


Node = Asset | Empty | Group | WeightEqual | WeightSpecified | WeightInverseVolatility | If | Filter


@dataclass(frozen=True, slots=True)
class RebalanceRule:
    """How a symphony is brought back to target between decisions (SPEC §11.2).

    `frequency` NONE with a `threshold` is a corridor; DAILY is the default.
    """

    frequency: RebalanceFrequency = RebalanceFrequency.DAILY
    threshold: float | None = None


@dataclass(frozen=True, eq=False)
class Symphony:
    """A whole strategy: the root node and its options. `source` names the file it came from."""

    name: str
    root: Node
    rebalance: RebalanceRule = field(default_factory=RebalanceRule)
    asset_class: str = "EQUITIES"
    description: str = ""
    source: str = "<memory>"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", printable(self.name))
        object.__setattr__(self, "description", printable(self.description, keep="\t\n"))

    @property
    def digest(self) -> str:
        return self.root.digest


def branch_elements(node: Node) -> tuple[Node, ...]:
    """An `if` branch as the vector a file writes: an equal split lists its children, Empty
    lists nothing, anything else is a single element (the parser's inverse, for the writers)."""
    if isinstance(node, WeightEqual):
        return node.nodes
    if isinstance(node, Empty):
        return ()
    return (node,)


def walk(root: Node) -> list[Node]:
    """Every node under `root` (pre-order), iteratively: trees nest hundreds deep."""
    out: list[Node] = []
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out
