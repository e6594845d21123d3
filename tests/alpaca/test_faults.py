"""Under each injected fault the adapter succeeds or raises the right error, never sends an
order twice and never loses a fill. The server's own logs are the evidence."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

import pytest

from alchemiser.domain.errors import BrokerConnectionError
from alchemiser.domain.trading import (
    FillTracker,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
)
from tests.alpaca.conftest import BrokerFactory, ServerFactory
from tests.fakes.alpaca_trading_server import AlpacaTestServer, Fault

SPY = Symbol("SPY")


def _buy(cid: str, qty: str = "1") -> OrderRequest:
    return OrderRequest(cid, SPY, Side.BUY, Decimal(qty))


def _requests(server: AlpacaTestServer, method: str, path: str) -> list[int | None]:
    return [r.status for r in server.request_log if (r.method, r.path) == (method, path)]


def test_429_burst_on_reads_is_waited_out_using_retry_after(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    server.add_fault(Fault(method="GET", path="/v2/account", status=429, count=2, retry_after=0.2))
    broker = make_broker(server)
    start = time.monotonic()
    assert broker.account().cash == Decimal("100000")
    assert time.monotonic() - start >= 0.4  # two Retry-After waits of 0.2 s
    assert _requests(server, "GET", "/v2/account") == [429, 429, 200]


def test_429_on_submit_is_resent_safely(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server)
    broker.account()  # the account check happens before the first order
    server.add_fault(Fault(method="POST", path="/v2/orders", status=429, count=2, retry_after=0.1))
    order = broker.submit_order(_buy("rl-1"))
    assert _requests(server, "POST", "/v2/orders") == [429, 429, 200]
    assert [o.id for o in server.orders()] == [order.id]


@pytest.mark.parametrize(
    "fault",
    [
        Fault(method="POST", path="/v2/orders", status=504, after_commit=True),
        Fault(method="POST", path="/v2/orders", status=500, after_commit=True),
        Fault(method="POST", path="/v2/orders", delay=1.5, after_commit=True),  # > 1 s timeout
        Fault(method="POST", path="/v2/orders", drop=True, after_commit=True),
    ],
    ids=["504-after-accept", "500-after-accept", "timeout-after-accept", "reset-after-accept"],
)
def test_ambiguous_submit_is_resolved_by_client_order_id_not_by_resending(
    make_server: ServerFactory, make_broker: BrokerFactory, fault: Fault
) -> None:
    server = make_server()
    broker = make_broker(server)
    broker.account()
    server.add_fault(fault)
    order = broker.submit_order(_buy("amb-1"))
    assert order.client_order_id == "amb-1"
    assert len(server.order_log) == 1  # one POST reached the order book, no resend
    assert [o.id for o in server.orders()] == [order.id]
    # alpaca-py's own blind retry of 504 is off: exactly one POST was made
    assert len(_requests(server, "POST", "/v2/orders")) == 1
    broker.wait_for_update([order.id], 5)
    assert broker.get_order(order.id).status is OrderStatus.FILLED
    assert len(server.fills) == 1


def test_ambiguous_submit_that_never_arrived_raises_and_is_not_resent(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server)
    broker.account()
    server.add_fault(Fault(method="POST", path="/v2/orders", status=503))
    with pytest.raises(BrokerConnectionError, match="was not sent again"):
        broker.submit_order(_buy("lost-1"))
    assert server.orders() == []
    # the caller may retry with the same id: exactly one order results
    order = broker.submit_order(_buy("lost-1"))
    assert [o.id for o in server.orders()] == [order.id]


def test_5xx_and_slow_reads_are_retried(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server, request_timeout_seconds=0.3)
    server.add_fault(Fault(method="GET", path="/v2/positions", status=502, count=2))
    server.add_fault(Fault(method="GET", path="/v2/clock", delay=0.6))
    assert [p.symbol for p in broker.positions()] == []
    assert _requests(server, "GET", "/v2/positions") == [502, 502, 200]
    assert broker.clock().is_open


def test_persistent_outage_ends_in_broker_connection_error(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server, max_retries=2)
    server.add_fault(Fault(method="GET", path="/v2/account", status=503, count=100))
    with pytest.raises(BrokerConnectionError, match="HTTP 503"):
        broker.account()
    assert _requests(server, "GET", "/v2/account") == [503, 503, 503]


def test_dropped_stream_loses_events_but_no_fill(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    """Events sent while the stream is down are gone (no replay); REST still sees every fill."""
    server = make_server(prices={"SPY": ["500", "501", "502", "503"]}, tick_seconds=None)
    server.partial_fill_parts["SPY"] = 2
    broker = make_broker(server)
    broker.start_stream()
    _wait_until(lambda: server.stream_connections == 1)
    tracker = FillTracker()
    order = broker.submit_order(_buy("drop-1", "4"))
    tracker.observe(order)
    server.drop_streams(abrupt=True)
    server.tick(3)  # accept + two partial fills while nobody listens
    broker.wait_for_update([order.id], 3)
    final = broker.get_order(order.id)
    tracker.observe(final)
    assert final.status is OrderStatus.FILLED
    assert sum(f.qty for f in tracker.fills) == Decimal(4) == sum(f.qty for f in server.fills)
    assert sum(f.value for f in tracker.fills) == sum(f.qty * f.price for f in server.fills)
    _wait_until(lambda: server.stream_connections == 1, timeout=8)  # alpaca-py reconnected


def test_delayed_cancel_is_followed_to_its_final_state(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(prices={"SPY": ["500"]})
    server.cancel_delay = 1.0
    broker = make_broker(server)
    order = broker.submit_order(
        OrderRequest("dc-1", SPY, Side.BUY, Decimal(1), OrderType.LIMIT, Decimal("400"))
    )
    broker.cancel_order(order.id)
    assert broker.get_order(order.id).status is OrderStatus.PENDING_CANCEL
    broker.wait_for_update([order.id], 3)
    assert broker.get_order(order.id).status is OrderStatus.CANCELED


def test_fill_wins_the_race_with_a_delayed_cancel(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(prices={"SPY": ["500", "500", "390"]}, tick_seconds=None)
    server.cancel_delay = 5.0
    broker = make_broker(server)
    order = broker.submit_order(
        OrderRequest("race-1", SPY, Side.BUY, Decimal(2), OrderType.LIMIT, Decimal("400"))
    )
    server.tick()
    broker.cancel_order(order.id)
    server.tick(2)  # the price drops under the limit while the cancel is pending
    final = broker.get_order(order.id)
    assert final.status is OrderStatus.FILLED
    assert final.filled_qty == Decimal(2)
    assert len(server.fills) == 1


def test_secrets_never_reach_errors_or_logs(
    make_server: ServerFactory, make_broker: BrokerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server()
    broker = make_broker(server, max_retries=1)
    server.add_fault(Fault(status=500, count=10))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BrokerConnectionError) as caught:
        broker.account()
    server.clear_faults()
    server.add_fault(Fault(method="POST", drop=True, count=10))
    server.add_fault(Fault(method="GET", path="/v2/orders:", drop=True, count=10))
    with pytest.raises(BrokerConnectionError) as submit_error:
        broker.submit_order(_buy("s-1"))
    for text in (
        str(caught.value),
        repr(caught.value.context),
        str(submit_error.value),
        repr(submit_error.value.context),
        caplog.text,
    ):
        assert server.secret_key not in text
        assert server.api_key not in text


def _wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def test_ambiguous_replace_is_resolved_by_the_new_client_order_id(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(prices={"SPY": ["500"]}, tick_seconds=None)
    broker = make_broker(server)
    order = broker.submit_order(
        OrderRequest("rp-0", SPY, Side.BUY, Decimal(1), OrderType.LIMIT, Decimal("400"))
    )
    server.add_fault(Fault(method="PATCH", status=504, after_commit=True))
    new = broker.replace_order(order.id, client_order_id="rp-1", limit_price=Decimal("450"))
    assert (new.client_order_id, new.limit_price) == ("rp-1", Decimal("450"))
    assert [(o.client_order_id, o.status) for o in server.orders()] == [
        ("rp-0", "replaced"),
        ("rp-1", "accepted"),
    ]


def test_waiting_survives_an_outage_of_the_order_checks(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(prices={"SPY": ["500"]})
    broker = make_broker(server, max_retries=0)
    order = broker.submit_order(_buy("w-1"))
    server.add_fault(Fault(method="GET", path="/v2/orders/", status=503, count=3))
    # returns once the order is final; the bound only has to outlast three failed polls and
    # their backoff on a loaded machine (5 s was once too short in CI)
    broker.wait_for_update([order.id], 60)
    assert _requests(server, "GET", f"/v2/orders/{order.id}")[:3] == [503, 503, 503]
    assert broker.get_order(order.id).status is OrderStatus.FILLED
