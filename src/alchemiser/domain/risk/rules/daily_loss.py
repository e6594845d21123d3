"""daily_loss_limit: equity more than `limit` below the previous session's end-of-run equity
→ the same response as the drawdown breaker (cash or block, and a halt until resume)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alchemiser.domain.risk.funds import FundInfo
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import AccountState, Proposal, RiskAction, RiskTarget
from alchemiser.domain.risk.rules.base import pct
from alchemiser.domain.risk.rules.drawdown import to_cash

NAME = "daily_loss_limit"


@dataclass(frozen=True, slots=True)
class DailyLossLimit:
    limit: float
    action: RiskAction
    name: str = NAME

    def evaluate(self, target: RiskTarget, account: AccountState | None) -> Proposal:
        if account is None or account.previous_equity is None or account.previous_equity <= 0:
            return Proposal()
        previous = account.previous_equity
        loss = 1.0 - account.equity / previous
        if loss <= self.limit:
            return Proposal()
        why = (
            f"equity {account.equity:,.2f} is {pct(loss)} below the previous session's "
            f"{previous:,.2f} (daily loss limit {pct(self.limit)})"
        )
        return to_cash(NAME, target, self.action, why)


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> DailyLossLimit | None:
    if limits.daily_loss_limit is None:
        return None
    return DailyLossLimit(limits.daily_loss_limit, limits.action(NAME))
