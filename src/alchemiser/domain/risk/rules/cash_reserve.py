"""min_cash_reserve: at least `reserve` of the account stays in cash; a target investing more
is scaled down as a whole. (The planner's own `rebalance.cash_reserve` is applied on top: it
shrinks the investable value, this caps the weights.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alchemiser.domain.risk.funds import FundInfo
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import (
    AccountState,
    Intervention,
    Proposal,
    RiskAction,
    RiskTarget,
)
from alchemiser.domain.risk.rules.base import BREACH_TOLERANCE, FloatArray, pct, uniform_factor

NAME = "min_cash_reserve"


@dataclass(frozen=True, slots=True)
class MinCashReserve:
    reserve: float
    action: RiskAction
    name: str = NAME

    @property
    def cap(self) -> float:
        return 1.0 - self.reserve

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        invested = target.invested
        if invested <= self.cap + BREACH_TOLERANCE:
            return Proposal()
        k = self.cap / invested
        return Proposal(
            factors=dict.fromkeys(target.weights, k),
            interventions=(
                Intervention(
                    NAME,
                    None,
                    invested,
                    self.cap,
                    self.action,
                    f"the target invests {pct(invested)}, leaving less than the "
                    f"{pct(self.reserve)} cash reserve",
                ),
            ),
        )

    def factors_matrix(self, weights: FloatArray, tickers: Sequence[str]) -> FloatArray:
        return uniform_factor(weights, weights.sum(axis=1), self.cap)


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> MinCashReserve | None:
    if limits.min_cash_reserve is None:
        return None
    return MinCashReserve(limits.min_cash_reserve, limits.action(NAME))
