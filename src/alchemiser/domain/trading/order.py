"""Orders: what we ask for (OrderRequest) and what the broker says happened (Order).

`Order` is an immutable snapshot; `Order.advance` is the only way to a newer snapshot and it
enforces the state machine, so a broker glitch (filled → new, shrinking filled qty) is caught
instead of being booked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from alchemiser.domain.errors import DataQualityError
from alchemiser.domain.trading.errors import IllegalOrderTransitionError
from alchemiser.domain.trading.values import Money, Price, Quantity, Symbol

MAX_CLIENT_ORDER_ID_LENGTH = 48
_ZERO = Quantity(0)


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    CLS = "cls"


class OrderStatus(StrEnum):
    """Alpaca's order statuses we act on; adapters map exotic ones to the nearest of these."""

    PENDING_NEW = "pending_new"
    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    DONE_FOR_DAY = "done_for_day"
    REPLACED = "replaced"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.REJECTED,
        OrderStatus.DONE_FOR_DAY,
        OrderStatus.REPLACED,
    }
)

_S = OrderStatus
_LIVE_EXITS = frozenset(
    {
        _S.PARTIALLY_FILLED,
        _S.PENDING_CANCEL,
        _S.PENDING_REPLACE,
        *FINAL_STATUSES,
    }
)
# Polling may skip intermediate states, so every "forward" jump is allowed; only going back
# (to an earlier state) or leaving a final state is illegal.
_ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.PENDING_NEW: _LIVE_EXITS | {_S.NEW, _S.ACCEPTED},
    _S.NEW: _LIVE_EXITS | {_S.ACCEPTED},
    _S.ACCEPTED: _LIVE_EXITS | {_S.NEW},
    _S.PARTIALLY_FILLED: _LIVE_EXITS,
    # A cancel or replace can lose the race to a fill, or be refused (back to working).
    _S.PENDING_CANCEL: _LIVE_EXITS | {_S.NEW, _S.ACCEPTED},
    _S.PENDING_REPLACE: _LIVE_EXITS | {_S.NEW, _S.ACCEPTED},
    **{final: frozenset() for final in FINAL_STATUSES},
}


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order to submit. Quantities only (no notional): we size orders ourselves."""

    client_order_id: str
    symbol: Symbol
    side: Side
    qty: Quantity
    order_type: OrderType = OrderType.MARKET
    limit_price: Price | None = None
    time_in_force: TimeInForce = TimeInForce.DAY

    def __post_init__(self) -> None:
        if not 0 < len(self.client_order_id) <= MAX_CLIENT_ORDER_ID_LENGTH:
            raise DataQualityError(
                f"client_order_id must be 1..{MAX_CLIENT_ORDER_ID_LENGTH} characters, "
                f"got {len(self.client_order_id)}: {self.client_order_id!r}",
                context={"client_order_id": self.client_order_id},
            )
        if self.qty <= 0:
            raise DataQualityError(
                f"{self.symbol}: order quantity must be positive, got {self.qty}",
                context={"ticker": str(self.symbol), "qty": str(self.qty)},
            )
        if (self.order_type is OrderType.LIMIT) != (self.limit_price is not None):
            raise DataQualityError(
                f"{self.symbol}: a limit order needs a limit price and a market order none",
                context={"ticker": str(self.symbol), "type": self.order_type.value},
            )
        if self.limit_price is not None and self.limit_price <= 0:
            raise DataQualityError(
                f"{self.symbol}: limit price must be positive, got {self.limit_price}",
                context={"ticker": str(self.symbol), "limit_price": str(self.limit_price)},
            )


@dataclass(frozen=True, slots=True)
class Order:
    """The broker's order at one moment. `filled_qty` and `filled_avg_price` are cumulative."""

    id: str
    client_order_id: str
    symbol: Symbol
    side: Side
    qty: Quantity
    order_type: OrderType
    status: OrderStatus
    submitted_at: dt.datetime
    updated_at: dt.datetime
    limit_price: Price | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    filled_qty: Quantity = _ZERO
    filled_avg_price: Price | None = None
    replaced_by: str | None = None
    """Id of the new order when this one was replaced."""
    reject_reason: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status.is_final

    @property
    def remaining_qty(self) -> Quantity:
        return self.qty - self.filled_qty

    @property
    def filled_value(self) -> Money:
        return self.filled_qty * (self.filled_avg_price or 0)

    @classmethod
    def from_request(
        cls,
        request: OrderRequest,
        *,
        order_id: str,
        at: dt.datetime,
        status: OrderStatus = OrderStatus.NEW,
    ) -> Order:
        return cls(
            id=order_id,
            client_order_id=request.client_order_id,
            symbol=request.symbol,
            side=request.side,
            qty=request.qty,
            order_type=request.order_type,
            limit_price=request.limit_price,
            time_in_force=request.time_in_force,
            status=status,
            submitted_at=at,
            updated_at=at,
        )

    def advance(
        self,
        status: OrderStatus,
        *,
        at: dt.datetime,
        filled_qty: Quantity | None = None,
        filled_avg_price: Price | None = None,
        replaced_by: str | None = None,
        reject_reason: str | None = None,
    ) -> Order:
        """The next snapshot; raises IllegalOrderTransitionError when it cannot follow this one."""
        new_filled = self.filled_qty if filled_qty is None else filled_qty
        check_transition(self, status, new_filled)
        return replace(
            self,
            status=status,
            updated_at=at,
            filled_qty=new_filled,
            filled_avg_price=self.filled_avg_price
            if filled_avg_price is None
            else filled_avg_price,
            replaced_by=replaced_by or self.replaced_by,
            reject_reason=reject_reason or self.reject_reason,
        )


def check_transition(order: Order, status: OrderStatus, filled_qty: Quantity) -> None:
    """Raise unless `order` may move to `status` with cumulative `filled_qty`."""
    context = {
        "order_id": order.id,
        "client_order_id": order.client_order_id,
        "ticker": str(order.symbol),
        "from": order.status.value,
        "to": status.value,
    }
    if filled_qty < order.filled_qty:
        raise IllegalOrderTransitionError(
            f"order {order.client_order_id}: filled qty went back from {order.filled_qty} "
            f"to {filled_qty}",
            context=context,
        )
    if filled_qty > order.qty:
        raise IllegalOrderTransitionError(
            f"order {order.client_order_id}: filled qty {filled_qty} exceeds order qty {order.qty}",
            context=context,
        )
    if status is order.status:
        if status.is_final and filled_qty != order.filled_qty:
            raise IllegalOrderTransitionError(
                f"order {order.client_order_id}: fill reported after final state {status}",
                context=context,
            )
        return
    if status not in _ALLOWED[order.status]:
        raise IllegalOrderTransitionError(
            f"order {order.client_order_id}: illegal transition {order.status} → {status}",
            context=context,
        )
    if status is OrderStatus.FILLED and filled_qty != order.qty:
        raise IllegalOrderTransitionError(
            f"order {order.client_order_id}: filled with {filled_qty} of {order.qty}",
            context=context,
        )
