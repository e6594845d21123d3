"""max_order_notional: no buy larger than `cap` dollars; a larger one is cut to the cap and the
rest stays cash. Sells are not capped: they cannot exceed what is held, and cutting one would
keep risk the strategies want gone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alchemiser.domain.risk.funds import FundInfo
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import Intervention, OrderIntent, Proposal, RiskAction

NAME = "max_order_notional"


@dataclass(frozen=True, slots=True)
class MaxOrderNotional:
    cap: float
    action: RiskAction
    name: str = NAME

    def evaluate_orders(self, orders: Sequence[OrderIntent]) -> Proposal:
        values: dict[str, float] = {}
        found: list[Intervention] = []
        for order in orders:
            if order.side == "buy" and order.value > self.cap:
                values[order.ticker] = self.cap
                found.append(
                    Intervention(
                        NAME,
                        order.ticker,
                        order.value,
                        self.cap,
                        self.action,
                        f"buy {order.ticker} for ${order.value:,.2f} is above the "
                        f"${self.cap:,.2f} cap per order",
                    )
                )
        return Proposal(buy_values=values, interventions=tuple(found))


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> MaxOrderNotional | None:
    if limits.max_order_notional is None:
        return None
    return MaxOrderNotional(limits.max_order_notional, limits.action(NAME))
