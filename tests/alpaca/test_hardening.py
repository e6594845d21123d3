"""Holes of issue 11 on the Alpaca side, each shown against the double with real alpaca-py:
answers that cannot be read, orders that are not the one sent, paper keys and URLs that could
reach real money, and Alpaca's rate-limit headers."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from alchemiser import bootstrap
from alchemiser.domain.errors import (
    BrokerConnectionError,
    ConfigurationError,
    ErrorCategory,
)
from alchemiser.domain.trading import (
    OrderMismatchError,
    OrderRequest,
    Side,
    Symbol,
    UnexpectedBrokerResponseError,
)
from alchemiser.infrastructure.alpaca import AlpacaBroker, AlpacaEndpoints
from alchemiser.infrastructure.alpaca.endpoints import mode_of
from alchemiser.infrastructure.alpaca.transport import rate_limit_pause
from alchemiser.interface.cli.main import main
from tests.alpaca.conftest import BrokerFactory, ServerFactory
from tests.fakes.alpaca_trading_server import AlpacaTestServer, Fault, OrderRecord

pytestmark = pytest.mark.timeout(60)
SPY = Symbol("SPY")


def _buy(cid: str = "h-1", qty: str = "2") -> OrderRequest:
    return OrderRequest(cid, SPY, Side.BUY, Decimal(qty))


def _requests(server: AlpacaTestServer, method: str, path: str) -> list[int | None]:
    return [r.status for r in server.request_log if (r.method, r.path) == (method, path)]


def _order_json(**changes: Any) -> bytes:
    """An order answer that conforms to Alpaca's `Order` schema, with `changes` applied."""
    record = OrderRecord(
        id=str(uuid.uuid4()),
        client_order_id="h-1",
        symbol="SPY",
        asset_id=str(uuid.uuid4()),
        side="buy",
        type="market",
        time_in_force="day",
        qty=Decimal(2),
        notional=None,
        limit_price=None,
        created_at=datetime(2026, 11, 24, 20, 50, tzinfo=UTC),
    )
    return json.dumps(record.to_json() | changes).encode()


# ------------------------------------------------------------- unreadable answers


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"<html>gateway</html>", "JSONDecodeError"),
        (b'{"id": "only-an-id"}', "ValidationError"),  # pydantic inside alpaca-py
        (b"[]", "list"),
    ],
    ids=["not-json", "missing-fields", "wrong-shape"],
)
def test_unreadable_read_is_critical_names_the_endpoint_and_is_not_retried(
    make_server: ServerFactory, make_broker: BrokerFactory, body: bytes, detail: str
) -> None:
    server = make_server()
    server.add_fault(Fault(method="GET", path="/v2/account", status=200, body=body, count=9))
    broker = make_broker(server)
    with pytest.raises(UnexpectedBrokerResponseError) as caught:
        broker.account()
    error = caught.value
    assert not isinstance(error, BrokerConnectionError)  # not a network problem
    assert error.category is ErrorCategory.CRITICAL
    assert "unexpected response from the broker to GET /v2/account" in error.message
    assert detail in error.message
    assert _requests(server, "GET", "/v2/account") == [200]  # one call, no "outage" retries


def test_unreadable_submit_answer_is_critical_and_nothing_is_resent_or_adopted(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server)
    broker.account()
    server.add_fault(
        Fault(method="POST", path="/v2/orders", status=200, body=b"{}", after_commit=True)
    )
    with pytest.raises(UnexpectedBrokerResponseError, match=r"to POST /v2/orders") as caught:
        broker.submit_order(_buy())
    assert caught.value.context["client_order_id"] == "h-1"
    assert len(server.order_log) == 1  # never sent again
    assert _requests(server, "GET", "/v2/orders:by_client_order_id") == []  # nor "resolved"


def test_unknown_status_in_an_order_is_critical(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server)
    order = broker.submit_order(_buy())
    server.add_fault(
        Fault(method="GET", path=f"/v2/orders/{order.id}", status=200, body=_bogus_status())
    )
    with pytest.raises(UnexpectedBrokerResponseError, match=f"GET /v2/orders/{order.id}"):
        broker.get_order(order.id)


def _bogus_status() -> bytes:
    return _order_json(status="teleported")


# --------------------------------------------------------------- the order sent


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"client_order_id": "someone-else"}, "client order id"),
        ({"symbol": "QQQ"}, "symbol QQQ"),
        ({"side": "sell"}, "side sell"),
        ({"qty": "20"}, "quantity 20"),
    ],
)
def test_submit_answer_for_another_order_is_not_adopted(
    make_server: ServerFactory, make_broker: BrokerFactory, changes: dict[str, str], named: str
) -> None:
    server = make_server()
    broker = make_broker(server)
    broker.account()
    server.add_fault(
        Fault(
            method="POST",
            path="/v2/orders",
            status=200,
            body=_order_json(**changes),
            after_commit=True,
        )
    )
    with pytest.raises(OrderMismatchError) as caught:
        broker.submit_order(_buy())
    assert caught.value.category is ErrorCategory.CRITICAL
    assert named in caught.value.message
    assert "not adopted" in caught.value.message
    assert len(server.order_log) == 1


def test_ambiguous_submit_found_under_our_id_must_be_our_order(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server)
    broker.account()
    server.add_fault(Fault(method="POST", path="/v2/orders", status=504, after_commit=True))
    server.add_fault(
        Fault(method="GET", path="/v2/orders:by", status=200, body=_order_json(qty="7"))
    )
    with pytest.raises(OrderMismatchError, match="quantity 7"):
        broker.submit_order(_buy())


# ----------------------------------------------------------- paper is never live


def _environment(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize(
    ("live", "variables", "named"),
    [
        (False, {"ALPACA_API_KEY": "AKREALMONEY1"}, "ALPACA_API_KEY"),
        (
            False,
            {"ALPACA_API_KEY": "PKPAPER1", "ALCHEMISER_ALPACA_BASE_URL": "https://api.alpaca.markets"},
            "ALCHEMISER_ALPACA_BASE_URL",
        ),
        (
            False,
            {"ALPACA_API_KEY": "PKPAPER1", "ALCHEMISER_ALPACA_BASE_URL": "https://proxy.example:8443"},
            "ALCHEMISER_ALPACA_BASE_URL",
        ),
        (
            False,
            {
                "ALPACA_API_KEY": "PKPAPER1",
                "ALCHEMISER_ALPACA_STREAM_URL": "wss://api.alpaca.markets/stream",
            },
            "ALCHEMISER_ALPACA_STREAM_URL",
        ),
        (
            True,
            {
                "ALPACA_LIVE_API_KEY": "AKLIVE1",
                "ALCHEMISER_ALPACA_BASE_URL": "https://paper-api.alpaca.markets",
            },
            "ALCHEMISER_ALPACA_BASE_URL",
        ),
        (True, {"ALPACA_LIVE_API_KEY": "PKLOOKSPAPER"}, "ALPACA_LIVE_API_KEY"),
    ],
    ids=["paper-live-key", "paper-live-host", "paper-other-host", "paper-live-stream",
         "live-paper-host", "live-paper-key"],
)  # fmt: skip
def test_paper_never_reaches_real_money_and_live_never_trades_paper(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    live: bool,
    variables: dict[str, str],
    named: str,
) -> None:
    secret = "s3cr3t-value-never-shown"
    _environment(
        monkeypatch, **{f"ALPACA_{'LIVE_' if live else ''}SECRET_KEY": secret}, **variables
    )
    with pytest.raises(ConfigurationError) as caught:
        bootstrap.alpaca_broker(bootstrap.load_settings(), live=live)
    shown = caught.value.message + repr(caught.value.context)
    assert named in shown
    for value in (secret, "AKREALMONEY1", "PKPAPER1", "AKLIVE1", "PKLOOKSPAPER"):
        assert value not in shown
    # `config check` refuses the same settings (the check and the run agree)
    monkeypatch.setenv("ALCHEMISER_BROKER", "alpaca")
    assert main(["config", "check"]) == ErrorCategory.CONFIGURATION.exit_code
    printed = capsys.readouterr()
    assert named in printed.out + printed.err  # a FAIL line of the check list
    assert secret not in printed.out + printed.err


def test_the_recorded_account_comes_from_the_endpoint(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    from alchemiser.application.settings import AlpacaSettings

    assert mode_of("https://paper-api.alpaca.markets", live=True) == "paper"
    assert mode_of("https://api.alpaca.markets", live=False) == "live"
    assert mode_of("http://127.0.0.1:8080", live=False) == "paper"
    server = make_server()
    assert make_broker(server).name == "alpaca-paper"
    paper_default = AlpacaBroker("PKX", "s", live=False, settings=AlpacaSettings())
    assert paper_default.name == "alpaca-paper"
    live_default = AlpacaBroker("AKX", "s", live=True, settings=AlpacaSettings())
    assert live_default.name == "alpaca-live"
    with pytest.raises(ConfigurationError, match="paper trading only talks to"):
        AlpacaBroker(
            "PKX",
            "s",
            live=False,
            settings=AlpacaSettings(),
            endpoints=AlpacaEndpoints(trading_url="https://api.alpaca.markets"),
        )


# -------------------------------------------------------------------- rate limits


def test_remaining_zero_pauses_every_request_until_the_reset(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    """Alpaca says "0 left until <reset>": the next request waits instead of drawing a 429."""
    server = make_server(rate_limit=(3, 1.5))
    broker = make_broker(server, max_retry_wait_seconds=3.0)
    start = time.monotonic()
    for _ in range(5):
        broker.clock()
    assert [r.status for r in server.request_log] == [200] * 5
    assert time.monotonic() - start >= 0.5  # it waited for the window to come back


def test_429_with_a_far_reset_waits_only_the_capped_time(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    server.add_fault(Fault(method="GET", path="/v2/clock", status=429, retry_after=3600, count=2))
    broker = make_broker(server, max_retry_wait_seconds=0.3)
    start = time.monotonic()
    assert broker.clock().is_open
    assert time.monotonic() - start < 10  # not an hour
    assert _requests(server, "GET", "/v2/clock") == [429, 429, 200]


def test_rate_limit_pause_reads_alpacas_headers() -> None:
    now = 1_000.0
    assert rate_limit_pause(429, {"X-RateLimit-Reset": "1003"}, now=now) == 3.0
    assert rate_limit_pause(429, {}, now=now) == 1.0  # a 429 with nothing said: a second
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1002"}
    assert rate_limit_pause(200, spent, now=now) == 2.0
    assert rate_limit_pause(200, spent | {"X-RateLimit-Remaining": "5"}, now=now) == 0.0
    assert rate_limit_pause(429, {"X-RateLimit-Reset": "999"}, now=now) == 0.0  # already past


def test_stream_and_data_urls_of_the_double_are_loopback() -> None:
    """The fixture's URLs pass the paper guard because they are loopback, nothing else."""
    assert mode_of("ws://127.0.0.1:1/stream", live=False) == "paper"
    assert mode_of("http://localhost:1", live=False) == "paper"
    assert mode_of("http://[::1]:1", live=False) == "paper"
