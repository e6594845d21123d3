"""Placing, following, replacing and canceling orders through alpaca-py against the test server."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from alchemiser.domain.errors import InsufficientBuyingPowerError, OrderRejectedError
from alchemiser.domain.trading import (
    DuplicateClientOrderIdError,
    FillTracker,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
    TimeInForce,
    UnknownOrderError,
)
from alchemiser.infrastructure.alpaca.errors import AccountRestrictedError
from tests.alpaca.conftest import BrokerFactory, ServerFactory
from tests.fakes.alpaca_trading_server import AssetInfo

SPY = Symbol("SPY")


def _market(cid: str, side: Side, qty: str, symbol: Symbol = SPY) -> OrderRequest:
    return OrderRequest(cid, symbol, side, Decimal(qty))


def _limit(cid: str, side: Side, qty: str, price: str, symbol: Symbol = SPY) -> OrderRequest:
    return OrderRequest(cid, symbol, side, Decimal(qty), OrderType.LIMIT, Decimal(price))


def test_market_buy_fills_at_the_ask_and_matches_the_servers_fill(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(cash="10000", prices={"SPY": ["500"]})
    broker = make_broker(server)
    order = broker.submit_order(_market("buy-1", Side.BUY, "2.5"))
    assert order.status in {OrderStatus.ACCEPTED, OrderStatus.NEW}
    broker.wait_for_update([order.id], 5)
    done = broker.get_order(order.id)
    assert done.status is OrderStatus.FILLED
    assert (done.filled_qty, done.filled_avg_price) == (Decimal("2.5"), Decimal("500.01"))
    [fill] = server.fills
    assert (fill.order_id, fill.qty, fill.price) == (order.id, Decimal("2.5"), Decimal("500.01"))
    account = broker.account()
    assert account.cash == Decimal("10000") - Decimal("2.5") * Decimal("500.01")
    assert broker.get_order_by_client_id("buy-1") == done


def test_stream_updates_wake_the_wait_before_the_poll(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    """With a 5 s poll the fill is still seen within a fraction of it: the stream woke us."""
    server = make_server(prices={"SPY": ["500"]})
    broker = make_broker(server, poll_interval_seconds=5.0)
    broker.start_stream()
    _wait_until(lambda: server.stream_connections == 1)
    order = broker.submit_order(_market("buy-1", Side.BUY, "1"))
    start = time.monotonic()
    broker.wait_for_update([order.id], 10)
    assert time.monotonic() - start < 2.5
    assert broker.get_order(order.id).status is OrderStatus.FILLED
    assert broker.stream_hints_received >= 2  # new, fill


def test_polling_carries_on_without_the_stream(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(prices={"SPY": ["500"]})
    server.refuse_streams = True
    broker = make_broker(server)
    order = broker.submit_order(_market("buy-1", Side.BUY, "1"))
    broker.wait_for_update([order.id], 5)
    assert broker.get_order(order.id).status is OrderStatus.FILLED
    assert broker.stream_hints_received == 0


def test_limit_order_replace_and_cancel(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(prices={"SPY": ["500"]}, positions={"SPY": ("10", "400")})
    broker = make_broker(server)
    order = broker.submit_order(_limit("sell-0", Side.SELL, "4", "510"))
    broker.wait_for_update([order.id], 0.2)
    assert broker.get_order(order.id).status is OrderStatus.NEW
    assert [o.id for o in broker.open_orders()] == [order.id]

    replacement = broker.replace_order(
        order.id, client_order_id="sell-1", limit_price=Decimal("505")
    )
    assert replacement.client_order_id == "sell-1"
    assert replacement.limit_price == Decimal("505")
    old = broker.get_order(order.id)
    assert old.status is OrderStatus.REPLACED
    assert old.replaced_by == replacement.id

    broker.cancel_order(replacement.id)
    broker.wait_for_update([replacement.id], 2)
    assert broker.get_order(replacement.id).status is OrderStatus.CANCELED
    broker.cancel_order(replacement.id)  # already final: not an error
    assert broker.open_orders() == ()
    assert server.fills == []


def test_unknown_orders(make_server: ServerFactory, make_broker: BrokerFactory) -> None:
    broker = make_broker(make_server())
    with pytest.raises(UnknownOrderError):
        broker.get_order("6f1c9e1e-0000-4000-8000-000000000000")
    assert broker.get_order_by_client_id("never-sent") is None


def test_duplicate_client_order_id_creates_nothing(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(tick_seconds=None)
    broker = make_broker(server)
    first = broker.submit_order(_limit("same-id", Side.BUY, "1", "1.00"))
    with pytest.raises(DuplicateClientOrderIdError, match="client_order_id must be unique"):
        broker.submit_order(_limit("same-id", Side.BUY, "1", "1.00"))
    assert [o.id for o in server.orders()] == [first.id]
    assert [e["status"] for e in server.order_log] == [200, 422]


def test_alpaca_rules_are_checked_before_sending(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(
        prices={"SPY": ["500"], "BRKA": ["700000"]},
        assets=[AssetInfo("BRKA", fractionable=False)],
        cash="10000000",
    )
    broker = make_broker(server)
    with pytest.raises(OrderRejectedError, match="fractional orders must be DAY"):
        broker.submit_order(
            OrderRequest("f-gtc", SPY, Side.BUY, Decimal("0.5"), time_in_force=TimeInForce.GTC)
        )
    with pytest.raises(OrderRejectedError, match="BRKA is not fractionable"):
        broker.submit_order(_market("f-brk", Side.BUY, "1.5", Symbol("BRKA")))
    assert server.order_log == []
    whole = broker.submit_order(_limit("w-brk", Side.BUY, "1", "600000", Symbol("BRKA")))
    assert whole.qty == Decimal("1")


def test_limit_prices_are_rounded_to_alpacas_grid_never_more_aggressive(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(
        prices={"SPY": ["500"], "PENNY": ["0.5"]},
        positions={"SPY": ("5", "400")},
        tick_seconds=None,
    )
    broker = make_broker(server)
    buy = broker.submit_order(_limit("b", Side.BUY, "1", "100.019"))
    sell = broker.submit_order(_limit("s", Side.SELL, "1", "600.011"))
    penny = broker.submit_order(_limit("p", Side.BUY, "10", "0.12345", Symbol("PENNY")))
    assert (buy.limit_price, sell.limit_price, penny.limit_price) == (
        Decimal("100.01"),
        Decimal("600.02"),
        Decimal("0.1234"),
    )


def test_buying_power_and_share_refusals_carry_alpacas_message(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(cash="1000", prices={"SPY": ["500"]}, positions={"SPY": ("1", "400")})
    broker = make_broker(server)
    with pytest.raises(InsufficientBuyingPowerError, match="insufficient buying power") as bp:
        broker.submit_order(_market("too-big", Side.BUY, "2"))
    assert bp.value.context["alpaca_code"] == 40310000
    with pytest.raises(OrderRejectedError, match="insufficient qty available") as qty:
        broker.submit_order(_market("oversell", Side.SELL, "3"))
    assert not isinstance(qty.value, InsufficientBuyingPowerError)
    assert server.orders() == []


def test_restricted_account_gets_no_order(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    server.account_blocked = True
    broker = make_broker(server)
    with pytest.raises(AccountRestrictedError):
        broker.submit_order(_market("x", Side.BUY, "1"))
    assert server.order_log == []


def test_partial_fills_are_counted_once_each(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    """10 shares in three parts at a rising price: per-fill deltas add up to the server's fills.

    The server accepts on the first tick and fills one part per tick from the second on, at the
    ask (price + 0.01): ticks 2, 3, 4 → 102.01, 103.01, 104.01.
    """
    server = make_server(prices={"SPY": ["100", "101", "102", "103", "104"]}, tick_seconds=None)
    server.partial_fill_parts["SPY"] = 3
    broker = make_broker(server)
    tracker = FillTracker()
    order = broker.submit_order(_market("p-1", Side.BUY, "10"))
    tracker.observe(order)
    for _ in range(5):
        server.tick()
        snapshot = broker.get_order(order.id)
        tracker.observe(snapshot)
        tracker.observe(broker.get_order(order.id))  # same snapshot twice: no double count
    assert [(f.qty, f.price) for f in tracker.fills] == [
        (Decimal(3), Decimal("102.01")),
        (Decimal(3), Decimal("103.01")),
        (Decimal(4), Decimal("104.01")),
    ]
    assert [(f.qty, f.price) for f in server.fills] == [(f.qty, f.price) for f in tracker.fills]


def test_rejection_after_acceptance_is_a_final_state(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(prices={"SPY": ["500"]})
    server.async_rejections["SPY"] = "halted"
    broker = make_broker(server)
    order = broker.submit_order(_market("r-1", Side.BUY, "1"))
    broker.wait_for_update([order.id], 3)
    rejected = broker.get_order(order.id)
    assert rejected.status is OrderStatus.REJECTED
    assert rejected.filled_qty == 0
    assert server.fills == []


def _wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")
