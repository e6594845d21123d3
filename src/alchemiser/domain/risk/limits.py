"""The risk limits as plain values (the domain cannot import application settings).

Every limit is optional (None = the rule is off). `actions` maps a rule's name to what a breach
does; a rule missing from it uses its own default (see `DEFAULT_ACTIONS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alchemiser.domain.risk.model import RiskAction

RULE_NAMES = (
    "drawdown_breaker",
    "daily_loss_limit",
    "deny_allow",
    "max_ticker_weight",
    "max_inverse_volatility_weight",
    "max_effective_exposure",
    "min_cash_reserve",
    "max_turnover",
    "limit_band",
    "max_order_notional",
    "max_orders_per_run",
)
"""Every rule, in the order the pipeline runs them (docs/decisions.md says why)."""

DEFAULT_ACTIONS: Mapping[str, RiskAction] = {
    name: RiskAction.BLOCK if name == "limit_band" else RiskAction.SCALE for name in RULE_NAMES
}


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_ticker_weight: float | None = None
    max_effective_exposure: float | None = None
    max_inverse_volatility_weight: float | None = None
    deny: frozenset[str] = frozenset()
    allow: frozenset[str] | None = None
    """When set, only these tickers may be held; everything else is treated as denied."""
    min_cash_reserve: float | None = None
    max_turnover: float | None = None
    """One-way turnover of one run: Σ |target − current| / 2, in fractions of the account."""
    limit_band: float | None = None
    """Largest |decision price / last close − 1| an order may trade at."""
    max_order_notional: float | None = None
    max_orders_per_run: int | None = None
    max_drawdown: float | None = None
    """Equity below its high-water mark by more than this trips the breaker."""
    daily_loss_limit: float | None = None
    """Equity below the previous session's end-of-run equity by more than this."""
    actions: Mapping[str, RiskAction] = field(default_factory=dict)

    def action(self, rule: str) -> RiskAction:
        return self.actions.get(rule, DEFAULT_ACTIONS[rule])

    @property
    def active(self) -> bool:
        return any(
            v is not None and v != frozenset()
            for v in (
                self.max_ticker_weight,
                self.max_effective_exposure,
                self.max_inverse_volatility_weight,
                self.deny,
                self.allow,
                self.min_cash_reserve,
                self.max_turnover,
                self.limit_band,
                self.max_order_notional,
                self.max_orders_per_run,
                self.max_drawdown,
                self.daily_loss_limit,
            )
        )
