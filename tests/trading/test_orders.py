"""Order state machine, per-fill accounting and value objects."""

from __future__ import annotations

import datetime as dt

import pytest

from alchemiser.application.execution import client_order_id
from alchemiser.domain.errors import DataQualityError
from alchemiser.domain.trading import (
    FillTracker,
    IllegalOrderTransitionError,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
    fill_between,
    to_decimal,
)

from .conftest import D

T0 = dt.datetime(2024, 3, 15, 19, 45, tzinfo=dt.UTC)
S = OrderStatus


def order(qty: str = "10") -> Order:
    request = OrderRequest("cid-1", Symbol("SPY"), Side.BUY, D(qty), OrderType.LIMIT, D("100"))
    return Order.from_request(request, order_id="o-1", at=T0)


def test_symbols_are_upper_cased_and_validated() -> None:
    assert Symbol(" brk.b ") == "BRK.B" and isinstance(Symbol("spy"), str)
    assert Symbol("BRK-B") == "BRK-B" and Symbol("BTC/USD") == "BTC/USD"
    assert {Symbol("spy"): 1}["SPY"] == 1
    for bad in ["", "AA PL", "SPY!", "1ABC", "TOOLONGTICKER1"]:
        with pytest.raises(DataQualityError, match="invalid ticker"):
            Symbol(bad)


def test_decimals_come_from_the_float_repr() -> None:
    assert to_decimal(0.1) == D("0.1")
    for bad in [float("nan"), float("inf"), "abc", True]:
        with pytest.raises(DataQualityError):
            to_decimal(bad)  # type: ignore[arg-type]


def test_order_request_validation() -> None:
    with pytest.raises(DataQualityError, match="48"):
        OrderRequest("x" * 49, Symbol("SPY"), Side.BUY, D(1))
    with pytest.raises(DataQualityError, match="positive"):
        OrderRequest("c", Symbol("SPY"), Side.BUY, D(0))
    with pytest.raises(DataQualityError, match="limit price"):
        OrderRequest("c", Symbol("SPY"), Side.BUY, D(1), OrderType.LIMIT)
    with pytest.raises(DataQualityError, match="limit price"):
        OrderRequest("c", Symbol("SPY"), Side.BUY, D(1), OrderType.MARKET, D(5))


def test_a_normal_life_with_partial_fills() -> None:
    o = order()
    o = o.advance(S.ACCEPTED, at=T0)
    o = o.advance(S.PARTIALLY_FILLED, at=T0, filled_qty=D(4), filled_avg_price=D("100"))
    o = o.advance(S.PARTIALLY_FILLED, at=T0, filled_qty=D(6), filled_avg_price=D("100.5"))
    o = o.advance(S.FILLED, at=T0, filled_qty=D(10), filled_avg_price=D("100.4"))
    assert o.is_final and o.remaining_qty == 0


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([S.FILLED], S.NEW),
        ([S.CANCELED], S.FILLED),
        ([S.REJECTED], S.ACCEPTED),
        ([S.EXPIRED], S.PARTIALLY_FILLED),
        ([S.REPLACED], S.CANCELED),
        ([S.PARTIALLY_FILLED], S.NEW),
        ([S.PARTIALLY_FILLED], S.ACCEPTED),
    ],
)
def test_illegal_transitions_raise(path: list[OrderStatus], illegal: OrderStatus) -> None:
    o = order()
    for status in path:
        filled = D(10) if status is S.FILLED else D(2) if status is S.PARTIALLY_FILLED else None
        o = o.advance(status, at=T0, filled_qty=filled, filled_avg_price=D(100))
    with pytest.raises(IllegalOrderTransitionError, match="illegal transition"):
        o.advance(illegal, at=T0)


def test_quantities_cannot_go_back_or_overfill() -> None:
    o = order().advance(S.PARTIALLY_FILLED, at=T0, filled_qty=D(5), filled_avg_price=D(1))
    with pytest.raises(IllegalOrderTransitionError, match="went back"):
        o.advance(S.PARTIALLY_FILLED, at=T0, filled_qty=D(4))
    with pytest.raises(IllegalOrderTransitionError, match="exceeds"):
        o.advance(S.PARTIALLY_FILLED, at=T0, filled_qty=D(11))
    with pytest.raises(IllegalOrderTransitionError, match="filled with 5 of 10"):
        o.advance(S.FILLED, at=T0)
    canceled = o.advance(S.CANCELED, at=T0)
    with pytest.raises(IllegalOrderTransitionError, match="after final"):
        canceled.advance(S.CANCELED, at=T0, filled_qty=D(6))


def test_polling_may_skip_states() -> None:
    o = order()
    assert o.advance(S.FILLED, at=T0, filled_qty=D(10), filled_avg_price=D(1)).is_final
    assert o.advance(S.REJECTED, at=T0, reject_reason="x").reject_reason == "x"


def test_fill_deltas_from_cumulative_snapshots() -> None:
    o0 = order()
    o1 = o0.advance(S.PARTIALLY_FILLED, at=T0, filled_qty=D(4), filled_avg_price=D("100"))
    # 6 more at 101 → cumulative average (400 + 606) / 10 = 100.6
    o2 = o1.advance(S.FILLED, at=T0, filled_qty=D(10), filled_avg_price=D("100.6"))
    first, second = fill_between(o0, o1), fill_between(o1, o2)
    assert first is not None and (first.qty, first.price) == (D(4), D(100))
    assert second is not None and (second.qty, second.price) == (D(6), D(101))
    assert fill_between(o2, o2) is None


def test_fill_tracker_counts_each_share_once() -> None:
    tracker = FillTracker()
    o1 = order().advance(S.PARTIALLY_FILLED, at=T0, filled_qty=D(4), filled_avg_price=D("100"))
    o2 = o1.advance(S.FILLED, at=T0, filled_qty=D(10), filled_avg_price=D("100"))
    for snapshot in [o1, o1, o2, o2, o2]:
        tracker.observe(snapshot)
    assert [f.qty for f in tracker.fills] == [D(4), D(6)]
    assert sum(f.qty for f in tracker.fills) == o2.qty


def test_client_order_ids_are_deterministic_short_and_distinct() -> None:
    run = "20261124T153012Z-3f9a1c"
    one = client_order_id(run, "BRK.B", "sell", 0)
    assert one == "alc-20261124T153012Z-3f9a1c-sell-BRK.B-0"
    assert one == client_order_id(run, "BRK.B", "sell", 0)
    ids = {
        client_order_id(run, sym, phase, attempt)
        for sym in ["SPY", "BRK.B", "BTC/USD"]
        for phase in ["sell", "buy", "buy-resume-1"]
        for attempt in range(12)
    }
    assert len(ids) == 3 * 3 * 12
    assert all(len(i) <= 48 for i in ids)
    long = client_order_id(run + "-with-a-very-long-suffix", "ABCDEFGHIJ.KLMNOP", "buy", 11)
    assert len(long) <= 48 and long.endswith("-11")
    assert long == client_order_id(run + "-with-a-very-long-suffix", "ABCDEFGHIJ.KLMNOP", "buy", 11)
    assert "/" not in client_order_id(run, "BTC/USD", "buy", 0)
