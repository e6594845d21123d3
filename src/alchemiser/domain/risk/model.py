"""The values the risk pipeline works on and produces (SPEC §14).

A rule never raises a weight: it proposes factors ≤ 1 per ticker, so whatever a rule caps stays
capped after every later rule, and the cash a rule frees is simply not invested.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from alchemiser.domain.errors import TradingError

WEIGHT_DUST = 1e-12
"""A scaled weight at or below this is dropped (float dust)."""


class RiskAction(StrEnum):
    SCALE = "scale"
    """The excess goes to cash: the breaching weights are scaled down, nothing else changes."""
    BLOCK = "block"
    """The run stops with a TRADING error before any order."""


@dataclass(frozen=True, slots=True)
class Intervention:
    """One thing a rule changed (or, when blocking, would have had to change).

    `before` and `after` are the measured quantity the rule limits (a weight, an exposure, a
    turnover, an order's dollars); `after == before` when the action is `block`.
    """

    rule: str
    ticker: str | None
    before: float
    after: float
    action: RiskAction
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "ticker": self.ticker,
            "before": self.before,
            "after": self.after,
            "action": self.action.value,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class RiskTarget:
    """Target weights as each sleeve's part of each ticker: weight(t) = Σ attribution[t]."""

    attribution: Mapping[str, Mapping[str, float]]

    @classmethod
    def of(cls, attribution: Mapping[str, Mapping[str, float]]) -> RiskTarget:
        return cls({t: dict(by) for t, by in attribution.items() if by})

    @property
    def weights(self) -> dict[str, float]:
        return {t: math.fsum(by.values()) for t, by in self.attribution.items()}

    @property
    def invested(self) -> float:
        return math.fsum(self.weights.values())

    def scaled(self, factors: Mapping[str, float]) -> RiskTarget:
        """Each ticker's attribution multiplied by its factor (sleeves keep their shares)."""
        out: dict[str, dict[str, float]] = {}
        for ticker, by in self.attribution.items():
            k = factors.get(ticker, 1.0)
            scaled = {s: w * k for s, w in by.items() if w * k > WEIGHT_DUST}
            if scaled:
                out[ticker] = scaled
        return RiskTarget(out)


@dataclass(frozen=True, slots=True)
class EquityPoint:
    day: dt.date
    equity: float


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the account-level rules look at.

    `weights`: today's holdings as fractions of the investable value the plan targets (so they
    compare with target weights). `history`: end-of-run equity of earlier runs, oldest first,
    since the breaker last tripped (a resume starts a new high-water mark).
    """

    equity: float
    day: dt.date
    weights: Mapping[str, float] = field(default_factory=dict)
    history: tuple[EquityPoint, ...] = ()

    @property
    def high_water_mark(self) -> float:
        return max([self.equity, *(p.equity for p in self.history)])

    @property
    def previous_equity(self) -> float | None:
        """The end-of-run equity of the last earlier session (None on the first)."""
        earlier = [p for p in self.history if p.day < self.day]
        return earlier[-1].equity if earlier else None


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One order the plan would place, as the order rules see it (dollars as floats: the
    rules compare with limits; the planner keeps the Decimals)."""

    ticker: str
    side: str
    """"buy" or "sell"."""
    value: float
    price: float
    last_close: float | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """What one rule wants: factors ≤ 1 per ticker (target rules) or new buy values (order
    rules), the interventions as if applied, and a halt reason when the rule trips the switch."""

    factors: Mapping[str, float] = field(default_factory=dict)
    buy_values: Mapping[str, float] = field(default_factory=dict)
    interventions: tuple[Intervention, ...] = ()
    halt: str | None = None
    force_block: bool = False
    """Set when scaling cannot satisfy the rule (e.g. a sell outside the band): block anyway."""


@dataclass(frozen=True, slots=True)
class RiskOutcome:
    target: RiskTarget
    interventions: tuple[Intervention, ...] = ()
    halts: tuple[tuple[str, str], ...] = ()
    """(rule, reason) of every rule that trips the halt switch."""
    orders: tuple[OrderIntent, ...] = ()

    @property
    def blocking(self) -> tuple[Intervention, ...]:
        return tuple(i for i in self.interventions if i.action is RiskAction.BLOCK)

    def raise_if_blocked(self) -> None:
        if self.blocking:
            raise RiskBlockedError(self.blocking, self.interventions, self.halts)


class RiskBlockedError(TradingError):
    """A rule configured to block was breached: no order is placed (SPEC §14)."""

    default_action = (
        "Review the risk limits in the portfolio file's [risk] table (or ALCHEMISER_RISK__…) "
        "and the target that breached them."
    )

    def __init__(
        self,
        blocking: tuple[Intervention, ...],
        interventions: tuple[Intervention, ...],
        halts: tuple[tuple[str, str], ...] = (),
        *,
        halted: bool = False,
    ) -> None:
        first = blocking[0]
        more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        super().__init__(
            f"risk rule {first.rule} blocks the run: {first.reason}{more}",
            context={
                "rule": first.rule,
                "ticker": first.ticker,
                "rules": sorted({i.rule for i in blocking}),
            },
            component="risk",
        )
        self.interventions = interventions
        self.halts = halts
        self.halted = halted
        """True when the halt switch was thrown before the block (not in a dry run)."""
