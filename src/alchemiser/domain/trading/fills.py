"""Per-fill accounting from cumulative order snapshots (SPEC §7).

Brokers report cumulative `filled_qty` and average price; a fill is the *difference* between two
snapshots. Booking cumulative quantities twice was a bug of the original; `FillTracker` makes
each share count once however often the same snapshot is seen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alchemiser.domain.trading.errors import IllegalOrderTransitionError
from alchemiser.domain.trading.order import Order, Side
from alchemiser.domain.trading.values import Money, Price, Quantity, Symbol


@dataclass(frozen=True, slots=True)
class Fill:
    order_id: str
    client_order_id: str
    symbol: Symbol
    side: Side
    qty: Quantity
    price: Price
    time: dt.datetime

    @property
    def value(self) -> Money:
        return self.qty * self.price

    @property
    def signed_qty(self) -> Quantity:
        return self.qty if self.side is Side.BUY else -self.qty


def fill_between(previous: Order | None, current: Order) -> Fill | None:
    """The fill that turned `previous` into `current` (None when nothing more was filled).

    The delta's price is recovered from the two cumulative averages:
    (avg₁·q₁ − avg₀·q₀) / (q₁ − q₀).
    """
    before_qty = previous.filled_qty if previous else Quantity(0)
    before_value = previous.filled_value if previous else Money(0)
    delta = current.filled_qty - before_qty
    if delta < 0:
        raise IllegalOrderTransitionError(
            f"order {current.client_order_id}: filled qty went back from {before_qty} "
            f"to {current.filled_qty}",
            context={"order_id": current.id, "ticker": str(current.symbol)},
        )
    if delta == 0:
        return None
    if current.filled_avg_price is None:
        raise IllegalOrderTransitionError(
            f"order {current.client_order_id}: filled {current.filled_qty} without a price",
            context={"order_id": current.id, "ticker": str(current.symbol)},
        )
    price = (current.filled_value - before_value) / delta
    return Fill(
        order_id=current.id,
        client_order_id=current.client_order_id,
        symbol=current.symbol,
        side=current.side,
        qty=delta,
        price=price,
        time=current.updated_at,
    )


class FillTracker:
    """Remembers the last snapshot of each order and turns every newer one into its fill."""

    def __init__(self) -> None:
        self._last: dict[str, Order] = {}
        self.fills: list[Fill] = []

    def observe(self, order: Order) -> Fill | None:
        fill = fill_between(self._last.get(order.id), order)
        self._last[order.id] = order
        if fill is not None:
            self.fills.append(fill)
        return fill

    def last(self, order_id: str) -> Order | None:
        return self._last.get(order_id)
