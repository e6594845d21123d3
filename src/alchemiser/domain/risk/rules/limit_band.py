"""limit_band: an order whose decision price is more than `band` away from the last close is
not placed — a price that far off is more often a bad quote than a real move.

`scale` drops such a buy (its dollars stay cash); a sell that far off blocks the run whatever the
action, because skipping it would keep a position the strategies and the other rules want gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alchemiser.domain.risk.funds import FundInfo
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import Intervention, OrderIntent, Proposal, RiskAction
from alchemiser.domain.risk.rules.base import pct

NAME = "limit_band"


@dataclass(frozen=True, slots=True)
class LimitBand:
    band: float
    action: RiskAction
    name: str = NAME

    def evaluate_orders(self, orders: Sequence[OrderIntent]) -> Proposal:
        values: dict[str, float] = {}
        found: list[Intervention] = []
        force = False
        for order in orders:
            if order.last_close is None or order.last_close <= 0:
                continue
            gap = abs(order.price / order.last_close - 1.0)
            if gap <= self.band:
                continue
            reason = (
                f"{order.side} {order.ticker} at {order.price:,.4f} is {pct(gap)} from the last "
                f"close {order.last_close:,.4f}, outside the {pct(self.band)} band"
            )
            if order.side == "buy":
                values[order.ticker] = 0.0
            else:
                force = True
            found.append(Intervention(NAME, order.ticker, order.value, 0.0, self.action, reason))
        return Proposal(buy_values=values, interventions=tuple(found), force_block=force)


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> LimitBand | None:
    if limits.limit_band is None:
        return None
    return LimitBand(limits.limit_band, limits.action(NAME))
