"""Pure rebalancing math: the plan (SPEC §6) and buy sizing after the sells settle."""

from alchemiser.domain.rebalance.buy_sizing import BuySizing, size_buys, spendable_cash
from alchemiser.domain.rebalance.parameters import PlanParameters
from alchemiser.domain.rebalance.planner import (
    PlannedTrade,
    RebalancePlan,
    SkippedTrade,
    SkipReason,
    plan_rebalance,
)
from alchemiser.domain.rebalance.quantities import shares_for

__all__ = [
    "BuySizing",
    "PlanParameters",
    "PlannedTrade",
    "RebalancePlan",
    "SkipReason",
    "SkippedTrade",
    "plan_rebalance",
    "shares_for",
    "size_buys",
    "spendable_cash",
]
