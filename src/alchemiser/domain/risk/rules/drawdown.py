"""drawdown_breaker: equity more than `limit` below its high-water mark → everything to cash
(`scale`) or no trading at all (`block`), and the account is halted until an explicit resume.

The high-water mark is the highest end-of-run equity since the breaker last tripped, and the
equity now (SPEC §14); a resume therefore starts a new mark from where the account stands.
"""

from __future__ import annotations

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
from alchemiser.domain.risk.rules.base import pct

NAME = "drawdown_breaker"


def to_cash(name: str, target: RiskTarget, action: RiskAction, why: str) -> Proposal:
    invested = target.invested
    verb = "everything goes to cash" if action is RiskAction.SCALE else "no order is placed"
    reason = f"{why}: {verb}; trading is halted until `alchemiser resume`"
    return Proposal(
        factors=dict.fromkeys(target.weights, 0.0),
        interventions=(Intervention(name, None, invested, 0.0, action, reason),),
        halt=reason,
    )


@dataclass(frozen=True, slots=True)
class DrawdownBreaker:
    limit: float
    action: RiskAction
    name: str = NAME

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        if account is None or account.equity <= 0:
            return Proposal()
        mark = account.high_water_mark
        drawdown = 1.0 - account.equity / mark
        if drawdown <= self.limit:
            return Proposal()
        why = (
            f"equity {account.equity:,.2f} is {pct(drawdown)} below its high-water mark "
            f"{mark:,.2f} (limit {pct(self.limit)})"
        )
        return to_cash(NAME, target, self.action, why)


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> DrawdownBreaker | None:
    if limits.max_drawdown is None:
        return None
    return DrawdownBreaker(limits.max_drawdown, limits.action(NAME))
