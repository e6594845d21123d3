"""max_ticker_weight: no ticker above `cap` of the account; the excess goes to cash."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alchemiser.domain.risk.funds import FundInfo
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import (
    AccountState,
    Intervention,
    Proposal,
    RiskAction,
    RiskTarget,
)
from alchemiser.domain.risk.rules.base import BREACH_TOLERANCE, FloatArray, pct

NAME = "max_ticker_weight"


@dataclass(frozen=True, slots=True)
class MaxTickerWeight:
    cap: float
    action: RiskAction
    name: str = NAME

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        factors: dict[str, float] = {}
        found: list[Intervention] = []
        for ticker, weight in target.weights.items():
            if weight > self.cap + BREACH_TOLERANCE:
                factors[ticker] = self.cap / weight
                found.append(
                    Intervention(
                        NAME,
                        ticker,
                        weight,
                        self.cap,
                        self.action,
                        f"{ticker} is {pct(weight)} of the account, above the {pct(self.cap)} "
                        "cap per ticker",
                    )
                )
        return Proposal(factors=factors, interventions=tuple(found))

    def factors_matrix(self, weights: FloatArray, tickers: Sequence[str]) -> FloatArray:
        factors: FloatArray = np.ones_like(weights, dtype=np.float64)
        np.divide(self.cap, weights, out=factors, where=weights > self.cap + BREACH_TOLERANCE)
        return factors


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> MaxTickerWeight | None:
    if limits.max_ticker_weight is None:
        return None
    return MaxTickerWeight(limits.max_ticker_weight, limits.action(NAME))
