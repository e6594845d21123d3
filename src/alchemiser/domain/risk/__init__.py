"""Risk rules between the blended target and the plan (SPEC §14): a pure pipeline."""

from alchemiser.domain.risk.funds import FundInfo, fund_table, leverage_of
from alchemiser.domain.risk.limits import RULE_NAMES, RiskLimits
from alchemiser.domain.risk.model import (
    AccountState,
    EquityPoint,
    Intervention,
    OrderIntent,
    RiskAction,
    RiskBlockedError,
    RiskOutcome,
    RiskTarget,
)
from alchemiser.domain.risk.pipeline import OrderCheck, RiskPipeline
from alchemiser.domain.risk.rules.exposure import effective_exposure

__all__ = [
    "RULE_NAMES",
    "AccountState",
    "EquityPoint",
    "FundInfo",
    "Intervention",
    "OrderCheck",
    "OrderIntent",
    "RiskAction",
    "RiskBlockedError",
    "RiskLimits",
    "RiskOutcome",
    "RiskPipeline",
    "RiskTarget",
    "effective_exposure",
    "fund_table",
    "leverage_of",
]
