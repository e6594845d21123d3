"""Checks on what a broker answers, independent of the broker (SPEC §13, issue 11).

An order the broker returns is adopted only if it is the order we asked for: the same client
order id, symbol, side and quantity. Anything else (a proxy mixing up answers, a broker bug, a
client id collision with an order placed by hand) must stop the run, because booking it would
put someone else's order into the ledger and its fills into our sleeves.
"""

from __future__ import annotations

from decimal import Decimal

from alchemiser.domain.errors import CriticalError
from alchemiser.domain.trading.order import Order, OrderRequest

_QTY_STEP = Decimal("0.000000001")
"""Brokers keep 9 decimals of a share (Alpaca does); finer digits are not a mismatch."""


class UnexpectedBrokerResponseError(CriticalError):
    """The broker answered something we cannot read or trust (bad JSON, missing fields, an
    unknown status, another order than the one sent). Never retried as an outage: sending the
    same call again would not make the answer make sense."""

    default_action = (
        "Trading was stopped. Check the broker's status page and the adapter's version; an order "
        "sent in this call may exist at the broker, and the next run's reconciliation finds it."
    )


class OrderMismatchError(UnexpectedBrokerResponseError):
    """The order in a submit (or replace) answer is not the order that was requested."""


def order_mismatches(request: OrderRequest, order: Order) -> tuple[str, ...]:
    """What differs between the order asked for and the order the broker returned (empty when
    it is the same order): client order id, symbol, side, quantity."""
    found: list[str] = []
    if order.client_order_id != request.client_order_id:
        found.append(
            f"client order id {order.client_order_id!r} instead of {request.client_order_id!r}"
        )
    if str(order.symbol).upper() != str(request.symbol).upper():
        found.append(f"symbol {order.symbol} instead of {request.symbol}")
    if order.side is not request.side:
        found.append(f"side {order.side} instead of {request.side}")
    if _shares(order.qty) != _shares(request.qty):
        found.append(f"quantity {order.qty} instead of {request.qty}")
    return tuple(found)


def check_order_answer(
    request: OrderRequest, order: Order, *, endpoint: str = "submit order"
) -> Order:
    """`order` when it is the one requested; otherwise an OrderMismatchError (CRITICAL)."""
    problems = order_mismatches(request, order)
    if problems:
        raise OrderMismatchError(
            f"unexpected response from the broker to {endpoint}: the order returned is not the "
            f"order sent ({'; '.join(problems)}); it was not adopted",
            context={
                "endpoint": endpoint,
                "client_order_id": request.client_order_id,
                "ticker": str(request.symbol),
                "broker_order_id": order.id,
                "mismatches": list(problems),
            },
        )
    return order


def _shares(qty: Decimal) -> Decimal:
    return qty.quantize(_QTY_STEP)
