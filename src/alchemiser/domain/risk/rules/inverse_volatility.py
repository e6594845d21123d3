"""max_inverse_volatility_weight: inverse funds and VIX products together at most `cap`.

A breach scales only those funds (by cap / their total); every other weight is untouched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alchemiser.domain.risk.funds import FundInfo, is_inverse_or_volatility
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import (
    AccountState,
    Intervention,
    Proposal,
    RiskAction,
    RiskTarget,
)
from alchemiser.domain.risk.rules.base import BREACH_TOLERANCE, FloatArray, pct

NAME = "max_inverse_volatility_weight"


@dataclass(frozen=True, slots=True)
class MaxInverseVolatilityWeight:
    cap: float
    action: RiskAction
    funds: Mapping[str, FundInfo]
    name: str = NAME

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        group = {t: w for t, w in target.weights.items() if is_inverse_or_volatility(t, self.funds)}
        total = math.fsum(group.values())
        if total <= self.cap + BREACH_TOLERANCE:
            return Proposal()
        k = self.cap / total
        return Proposal(
            factors=dict.fromkeys(group, k),
            interventions=(
                Intervention(
                    NAME,
                    None,
                    total,
                    self.cap,
                    self.action,
                    f"inverse and volatility funds ({', '.join(sorted(group))}) are "
                    f"{pct(total)} of the account, above the {pct(self.cap)} cap",
                ),
            ),
        )

    def factors_matrix(self, weights: FloatArray, tickers: Sequence[str]) -> FloatArray:
        member = np.array([is_inverse_or_volatility(t, self.funds) for t in tickers], dtype=bool)
        total = weights[:, member].sum(axis=1) if member.any() else np.zeros(len(weights))
        row = np.ones_like(total, dtype=np.float64)
        np.divide(self.cap, total, out=row, where=total > self.cap + BREACH_TOLERANCE)
        factors: FloatArray = np.where(member[None, :], row[:, None], 1.0)
        return factors


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> MaxInverseVolatilityWeight | None:
    if limits.max_inverse_volatility_weight is None:
        return None
    return MaxInverseVolatilityWeight(
        limits.max_inverse_volatility_weight, limits.action(NAME), funds
    )
