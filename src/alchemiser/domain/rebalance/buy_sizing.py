"""Buy sizing after the sells settle (SPEC §6, §12).

Buys are paid from what the broker says is spendable *now*: the lesser of cash and buying power
(margin is never treated as cash), minus a buffer for price movement. When that is short, every
buy shrinks by the same factor; none is starved because of its place in a dictionary.
Position-closing buys (covering a short with no target) are kept whole and paid first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from alchemiser.domain.errors import DataQualityError
from alchemiser.domain.rebalance.planner import PlannedTrade
from alchemiser.domain.rebalance.quantities import cents_towards_zero, shares_for
from alchemiser.domain.trading.order import Side
from alchemiser.domain.trading.values import Money, Price

_ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class BuySizing:
    trades: tuple[PlannedTrade, ...]
    """The buys to place, quantities re-sized (zero-quantity buys are dropped)."""
    dropped: tuple[PlannedTrade, ...]
    """Buys that scaled down to zero shares."""
    spendable: Money
    """min(cash, buying power) × (1 − buffer), floored at 0."""
    scale: Decimal
    """Factor applied to every non-closing buy (1 when nothing was short)."""

    @property
    def total_value(self) -> Money:
        return sum((t.qty * t.price for t in self.trades), Money(0))


def spendable_cash(cash: Money, buying_power: Money, buffer: Decimal) -> Money:
    return max(min(cash, buying_power), Money(0)) * (_ONE - buffer)


def size_buys(
    buys: Sequence[PlannedTrade],
    *,
    cash: Money,
    buying_power: Money,
    buffer: Decimal,
    prices: Mapping[str, Price] | None = None,
) -> BuySizing:
    """Re-size `buys` to the spendable amount, pro rata, at `prices` (default: planned prices)."""
    if any(t.side is not Side.BUY for t in buys):
        raise ValueError("size_buys takes buys only")
    spendable = spendable_cash(cash, buying_power, buffer)
    fresh = {str(k): v for k, v in (prices or {}).items()}

    def priced(trade: PlannedTrade) -> PlannedTrade:
        price = fresh.get(trade.symbol, trade.price)
        if price <= 0:
            raise DataQualityError(
                f"{trade.symbol}: no usable price to size the buy (got {price})",
                context={"ticker": str(trade.symbol)},
            )
        return replace(trade, price=price)

    closing = [priced(t) for t in buys if t.closes_position]
    opening = [priced(t) for t in buys if not t.closes_position]
    closing_cost = sum((t.qty * t.price for t in closing), Money(0))
    wanted = sum((t.value for t in opening), Money(0))
    left = max(spendable - closing_cost, Money(0))
    scale = _ONE if wanted <= left else left / wanted

    sized: list[PlannedTrade] = list(closing)
    dropped: list[PlannedTrade] = []
    for trade in opening:
        budget = cents_towards_zero(trade.value * scale)
        qty = shares_for(budget, trade.price, fractionable=trade.fractionable)
        if qty <= 0:
            dropped.append(trade)
        else:
            sized.append(replace(trade, qty=qty))
    sized.sort(key=lambda t: t.symbol)
    return BuySizing(tuple(sized), tuple(dropped), spendable, scale)
