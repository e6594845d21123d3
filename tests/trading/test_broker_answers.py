"""The order a broker returns must be the order sent (issue 11): a pure check any adapter or the
execution manager can call."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from alchemiser.domain.errors import ErrorCategory
from alchemiser.domain.trading import (
    Order,
    OrderMismatchError,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
    check_order_answer,
    order_mismatches,
)

REQUEST = OrderRequest("run1-SPY-buy-0", Symbol("SPY"), Side.BUY, Decimal("1.5"))
AT = dt.datetime(2026, 11, 24, 20, 50, tzinfo=dt.UTC)
ANSWER = Order(
    id="b-1",
    client_order_id="run1-SPY-buy-0",
    symbol=Symbol("SPY"),
    side=Side.BUY,
    qty=Decimal("1.500000000"),  # the broker's 9 decimals: the same quantity
    order_type=OrderType.MARKET,
    status=OrderStatus.ACCEPTED,
    submitted_at=AT,
    updated_at=AT,
)


def test_the_same_order_passes() -> None:
    assert order_mismatches(REQUEST, ANSWER) == ()
    assert check_order_answer(REQUEST, ANSWER) is ANSWER


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"client_order_id": "other"}, "client order id 'other' instead of 'run1-SPY-buy-0'"),
        ({"symbol": Symbol("QQQ")}, "symbol QQQ instead of SPY"),
        ({"side": Side.SELL}, "side sell instead of buy"),
        ({"qty": Decimal("15")}, "quantity 15 instead of 1.5"),
        ({"qty": Decimal("1.500000001")}, "quantity 1.500000001 instead of 1.5"),
    ],
)
def test_each_difference_is_named(changes: dict[str, object], expected: str) -> None:
    answer = replace(ANSWER, **changes)  # type: ignore[arg-type]
    assert order_mismatches(REQUEST, answer) == (expected,)
    with pytest.raises(OrderMismatchError) as caught:
        check_order_answer(REQUEST, answer, endpoint="POST /v2/orders")
    assert caught.value.category is ErrorCategory.CRITICAL
    assert expected in caught.value.message
    assert caught.value.context["endpoint"] == "POST /v2/orders"


def test_every_difference_is_reported_at_once() -> None:
    answer = replace(ANSWER, symbol=Symbol("QQQ"), side=Side.SELL)
    assert len(order_mismatches(REQUEST, answer)) == 2
