"""deny / allow: a denied ticker (or, with an allow list, any ticker not on it) is not held;
its weight goes to cash."""

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
from alchemiser.domain.risk.rules.base import FloatArray, pct

NAME = "deny_allow"


@dataclass(frozen=True, slots=True)
class DenyAllow:
    deny: frozenset[str]
    allow: frozenset[str] | None
    action: RiskAction
    name: str = NAME

    def refused(self, ticker: str) -> str | None:
        if ticker in self.deny:
            return "is on the deny list"
        if self.allow is not None and ticker not in self.allow:
            return "is not on the allow list"
        return None

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        factors: dict[str, float] = {}
        found: list[Intervention] = []
        for ticker, weight in target.weights.items():
            why = self.refused(ticker)
            if why is not None and weight > 0:
                factors[ticker] = 0.0
                found.append(
                    Intervention(
                        NAME, ticker, weight, 0.0, self.action, f"{ticker} {why} ({pct(weight)})"
                    )
                )
        return Proposal(factors=factors, interventions=tuple(found))

    def factors_matrix(self, weights: FloatArray, tickers: Sequence[str]) -> FloatArray:
        refused = np.array([self.refused(t) is not None for t in tickers], dtype=bool)
        factors: FloatArray = np.where(refused[None, :] & (weights > 0), 0.0, 1.0)
        return factors


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> DenyAllow | None:
    if not limits.deny and limits.allow is None:
        return None
    return DenyAllow(limits.deny, limits.allow, limits.action(NAME))
