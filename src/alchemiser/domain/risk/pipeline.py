"""The risk pipeline (SPEC §14): (target with attribution, account, orders) → (adjusted target,
interventions), the same code for `trade`, `signal`, the backtest and the replay.

Target rules run first, in `TARGET_RULES` order; the order rules then look at the plan made from
the adjusted target (`apply_orders`). Every rule only lowers weights, so a cap an earlier rule
enforced still holds after the later ones. Adding a rule: one module in `rules/` with a `build`
function, and one line below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from alchemiser.domain.risk.funds import FundInfo, fund_table
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import (
    AccountState,
    Intervention,
    OrderIntent,
    Proposal,
    RiskAction,
    RiskOutcome,
    RiskTarget,
)
from alchemiser.domain.risk.rules import (
    cash_reserve,
    daily_loss,
    deny_allow,
    drawdown,
    exposure,
    inverse_volatility,
    limit_band,
    order_count,
    order_notional,
    ticker_weight,
    turnover,
)
from alchemiser.domain.risk.rules.base import (
    FloatArray,
    MatrixRule,
    OrderRule,
    OrderRuleFactory,
    TargetRule,
    TargetRuleFactory,
)

BoolArray = npt.NDArray[np.bool_]

TARGET_RULES: tuple[TargetRuleFactory, ...] = (
    drawdown.build,  # account-wide stops first: when they trip nothing else matters
    daily_loss.build,
    deny_allow.build,  # what may be held at all
    ticker_weight.build,  # then how much of each
    inverse_volatility.build,
    exposure.build,  # then the portfolio as a whole
    cash_reserve.build,
    turnover.build,  # last: it compares the final target with what is held
)
ORDER_RULES: tuple[OrderRuleFactory, ...] = (
    limit_band.build,
    order_notional.build,
    order_count.build,
)


@dataclass(frozen=True, slots=True)
class OrderCheck:
    orders: tuple[OrderIntent, ...]
    """The orders with buy values cut by the rules (0 = dropped)."""
    interventions: tuple[Intervention, ...]

    @property
    def blocking(self) -> tuple[Intervention, ...]:
        return tuple(i for i in self.interventions if i.action is RiskAction.BLOCK)


class RiskPipeline:
    def __init__(self, limits: RiskLimits, funds: Mapping[str, FundInfo] | None = None) -> None:
        table = fund_table() if funds is None else funds
        self.limits = limits
        self.target_rules: tuple[TargetRule, ...] = tuple(
            rule for build in TARGET_RULES if (rule := build(limits, table)) is not None
        )
        self.order_rules: tuple[OrderRule, ...] = tuple(
            order_rule for make in ORDER_RULES if (order_rule := make(limits, table)) is not None
        )

    @property
    def active(self) -> bool:
        return bool(self.target_rules or self.order_rules)

    def apply(self, target: RiskTarget, account: AccountState | None = None) -> RiskOutcome:
        """Every target rule in order. A blocking rule changes nothing and the pipeline goes
        on, so `signal` can show every breach; the caller raises (`raise_if_blocked`)."""
        found: list[Intervention] = []
        halts: list[tuple[str, str]] = []
        for rule in self.target_rules:
            proposal = rule.evaluate(target, account)
            if proposal.halt is not None:
                halts.append((rule.name, proposal.halt))
            if _blocks(rule.action, proposal):
                found += [_as_block(i) for i in proposal.interventions]
                continue
            found += proposal.interventions
            if proposal.factors:
                target = target.scaled(proposal.factors)
        return RiskOutcome(target=target, interventions=tuple(found), halts=tuple(halts))

    def apply_orders(self, orders: Sequence[OrderIntent]) -> OrderCheck:
        """The order rules in order, each on the orders the previous one left."""
        current = tuple(orders)
        found: list[Intervention] = []
        for rule in self.order_rules:
            proposal = rule.evaluate_orders(current)
            if _blocks(rule.action, proposal):
                found += [_as_block(i) for i in proposal.interventions]
                continue
            found += proposal.interventions
            current = tuple(
                replace(o, value=min(o.value, proposal.buy_values[o.ticker]))
                if o.side == "buy" and o.ticker in proposal.buy_values
                else o
                for o in current
            )
        return OrderCheck(current, tuple(found))

    # -- the backtest's form ---------------------------------------------------------------------
    @property
    def matrix_rules(self) -> tuple[MatrixRule, ...]:
        """The stateless target rules, which have an exact matrix form."""
        return tuple(r for r in self.target_rules if isinstance(r, MatrixRule))

    def factors_matrix(
        self, weights: FloatArray, tickers: Sequence[str]
    ) -> tuple[FloatArray, BoolArray]:
        """(factors, blocked) over (sessions × tickers) weights: the product of the stateless
        scaling rules' factors, each rule seeing the weights the previous ones left (row t
        equals `apply` on session t), and the sessions a blocking rule would stop."""
        total: FloatArray = np.ones_like(weights, dtype=np.float64)
        blocked: BoolArray = np.zeros(len(weights), dtype=bool)
        current = np.nan_to_num(weights.astype(np.float64), nan=0.0)
        for rule in self.matrix_rules:
            factors = rule.factors_matrix(current, tickers)
            if rule.action is RiskAction.BLOCK:
                blocked |= (factors < 1.0).any(axis=1)
                continue
            total = total * factors
            current = current * factors
        return total, blocked


def _blocks(action: RiskAction, proposal: Proposal) -> bool:
    return bool(proposal.interventions) and (action is RiskAction.BLOCK or proposal.force_block)


def _as_block(intervention: Intervention) -> Intervention:
    return replace(intervention, action=RiskAction.BLOCK, after=intervention.before)
