"""max_orders_per_run: at most `cap` orders in one run. `scale` drops the smallest buys first
(their dollars stay cash); sells are never dropped, so sells alone above the cap block the run.
The top-up round re-sends only buys of tickers already counted and is not counted again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alchemiser.domain.risk.funds import FundInfo
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import Intervention, OrderIntent, Proposal, RiskAction

NAME = "max_orders_per_run"


@dataclass(frozen=True, slots=True)
class MaxOrdersPerRun:
    cap: int
    action: RiskAction
    name: str = NAME

    def evaluate_orders(self, orders: Sequence[OrderIntent]) -> Proposal:
        live = [o for o in orders if o.value > 0]
        if len(live) <= self.cap:
            return Proposal()
        sells = [o for o in live if o.side != "buy"]
        buys = sorted((o for o in live if o.side == "buy"), key=lambda o: (-o.value, o.ticker))
        room = max(0, self.cap - len(sells))
        dropped = buys[room:]
        after = len(sells) + min(room, len(buys))
        reason = (
            f"the plan has {len(live)} orders, above the {self.cap} per run; "
            f"dropped the smallest buys: {', '.join(o.ticker for o in dropped) or 'none'}"
        )
        return Proposal(
            buy_values={o.ticker: 0.0 for o in dropped},
            interventions=(
                Intervention(NAME, None, float(len(live)), float(after), self.action, reason),
            ),
            force_block=len(sells) > self.cap,
        )


def build(limits: RiskLimits, funds: Mapping[str, FundInfo]) -> MaxOrdersPerRun | None:
    if limits.max_orders_per_run is None:
        return None
    return MaxOrdersPerRun(limits.max_orders_per_run, limits.action(NAME))
