"""Does the order a broker returned answer the request we sent? (issue 11)

A broker (or a proxy, or a bug in an adapter) that answers a submission with another order
must not be believed: adopting it would book fills to the wrong symbol, side or size. The
comparison is pure so every adapter and the execution manager use the same one.
"""

from __future__ import annotations

from alchemiser.domain.trading.order import Order, OrderRequest


def response_mismatches(request: OrderRequest, order: Order) -> list[str]:
    """The fields in which `order` differs from `request` (empty when it answers it).

    Quantity compares as numbers (`1` and `1.000000` are the same), symbols case-insensitively.
    """
    problems = []
    if order.client_order_id != request.client_order_id:
        problems.append(f"client_order_id {order.client_order_id!r} ≠ {request.client_order_id!r}")
    if str(order.symbol).upper() != str(request.symbol).upper():
        problems.append(f"symbol {order.symbol} ≠ {request.symbol}")
    if order.side is not request.side:
        problems.append(f"side {order.side} ≠ {request.side}")
    if order.qty != request.qty:
        problems.append(f"qty {order.qty} ≠ {request.qty}")
    return problems
