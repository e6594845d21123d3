"""max_effective_exposure: Σ |w| × leverage at most `cap` (SPEC §14).

Leverage comes from the shipped fund table (an inverse fund counts its absolute multiple, an
unlisted ticker 1). A breach scales every weight by cap / exposure: the exposure is the
portfolio's, so no single ticker is to blame, and proportional scaling keeps the mix the
strategies chose.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alchemiser.domain.risk.funds import FundInfo, leverage_of
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import (
    AccountState,
    Intervention,
    Proposal,
    RiskAction,
    RiskTarget,
)
from alchemiser.domain.risk.rules.base import (
    BREACH_TOLERANCE,
    FloatArray,
    uniform_factor,
)

NAME = "max_effective_exposure"


def effective_exposure(weights: Mapping[str, float], funds: Mapping[str, FundInfo]) -> float:
    return math.fsum(abs(w) * leverage_of(t, funds) for t, w in weights.items())


@dataclass(frozen=True, slots=True)
class MaxEffectiveExposure:
    cap: float
    action: RiskAction
    funds: Mapping[str, FundInfo]
    name: str = NAME

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        weights = target.weights
        exposure = effective_exposure(weights, self.funds)
        if exposure <= self.cap + BREACH_TOLERANCE:
            return Proposal()
        k = self.cap / exposure
        return Proposal(
            factors=dict.fromkeys(weights, k),
            interventions=(
                Intervention(
                    NAME,
                    None,
                    exposure,
                    self.cap,
                    self.action,
                    f"effective exposure Σ|w|×leverage is {exposure:.3f}, above the cap "
                    f"{self.cap:g}; every weight scaled by {k:.4f}",
                ),
            ),
        )

    def factors_matrix(self, weights: FloatArray, tickers: Sequence[str]) -> FloatArray:
        leverage = np.array([leverage_of(t, self.funds) for t in tickers], dtype=np.float64)
        exposure = np.abs(weights) @ leverage
        return uniform_factor(weights, exposure, self.cap)


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> MaxEffectiveExposure | None:
    if limits.max_effective_exposure is None:
        return None
    return MaxEffectiveExposure(limits.max_effective_exposure, limits.action(NAME), funds)
