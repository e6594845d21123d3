"""max_turnover: one run moves at most `cap` of the account, one way: Σ |target − held| / 2.

Only buys are scaled (each moves the same fraction of the way from what is held towards its
target; the rest stays cash). Sells are never held back: keeping a position the strategies want
gone to save turnover would raise risk, not limit it. When the sells alone exceed the cap, no
buy is made this run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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
from alchemiser.domain.risk.rules.base import BREACH_TOLERANCE, pct

NAME = "max_turnover"


def turnover(weights: Mapping[str, float], held: Mapping[str, float]) -> tuple[float, float]:
    """(buys, sells) in fractions of the account."""
    tickers = set(weights) | set(held)
    buys = math.fsum(max(0.0, weights.get(t, 0.0) - held.get(t, 0.0)) for t in tickers)
    sells = math.fsum(max(0.0, held.get(t, 0.0) - weights.get(t, 0.0)) for t in tickers)
    return buys, sells


@dataclass(frozen=True, slots=True)
class MaxTurnover:
    cap: float
    action: RiskAction
    name: str = NAME

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        if account is None:
            return Proposal()
        weights = target.weights
        held = account.weights
        buys, sells = turnover(weights, held)
        before = (buys + sells) / 2
        if before <= self.cap + BREACH_TOLERANCE or buys <= 0:
            return Proposal()
        k = max(0.0, (2 * self.cap - sells) / buys)
        factors: dict[str, float] = {}
        for ticker, weight in weights.items():
            current = held.get(ticker, 0.0)
            if weight > current:
                factors[ticker] = (current + k * (weight - current)) / weight
        after = (sells + k * buys) / 2
        note = "" if k > 0 else "; the sells alone exceed it, so nothing is bought"
        return Proposal(
            factors=factors,
            interventions=(
                Intervention(
                    NAME,
                    None,
                    before,
                    after,
                    self.action,
                    f"the run would turn over {pct(before)} of the account, above the "
                    f"{pct(self.cap)} cap; buys scaled to {k:.2%} of the way{note}",
                ),
            ),
        )


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> MaxTurnover | None:
    if limits.max_turnover is None:
        return None
    return MaxTurnover(limits.max_turnover, limits.action(NAME))
