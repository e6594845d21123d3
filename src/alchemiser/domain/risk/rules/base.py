"""What a rule is: a name, its breach action and an `evaluate` that proposes changes.

Target rules see the target and the account; order rules see the plan's orders. A stateless
target rule can also give `factors_matrix`, the same rule over a (sessions × tickers) weight matrix,
which the backtest uses instead of a loop over sessions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from alchemiser.domain.risk.funds import FundInfo
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import AccountState, OrderIntent, Proposal, RiskAction, RiskTarget

FloatArray = npt.NDArray[np.float64]

BREACH_TOLERANCE = 1e-9
"""A measure must exceed its cap by more than this to count as a breach (float noise)."""


class TargetRule(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def action(self) -> RiskAction: ...
    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal: ...


@runtime_checkable
class MatrixRule(TargetRule, Protocol):
    def factors_matrix(self, weights: FloatArray, tickers: Sequence[str]) -> FloatArray:
        """Factors ≤ 1, same shape as `weights`, equal to what `evaluate` gives row by row."""
        ...


class OrderRule(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def action(self) -> RiskAction: ...
    def evaluate_orders(self, orders: Sequence[OrderIntent]) -> Proposal: ...


class TargetRuleFactory(Protocol):
    def __call__(self, limits: RiskLimits, funds: Mapping[str, FundInfo]) -> TargetRule | None: ...


class OrderRuleFactory(Protocol):
    def __call__(self, limits: RiskLimits, funds: Mapping[str, FundInfo]) -> OrderRule | None: ...


def pct(x: float) -> str:
    return f"{x:.2%}"


def uniform_factor(weights: FloatArray, measure: FloatArray, cap: float) -> FloatArray:
    """Per row: cap / measure where measure breaches cap, else 1, broadcast over the columns."""
    row = np.ones_like(measure, dtype=np.float64)
    np.divide(cap, measure, out=row, where=measure > cap + BREACH_TOLERANCE)
    factors: FloatArray = np.broadcast_to(row[:, None], weights.shape).astype(np.float64)
    return factors
