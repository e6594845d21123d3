"""Fixtures: an in-process Alpaca (REST + trade stream + quotes) on 127.0.0.1, stopped after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakes.alpaca_trading_server import AlpacaTestServer

if TYPE_CHECKING:
    from alchemiser.infrastructure.alpaca import AlpacaBroker

ServerFactory = Callable[..., AlpacaTestServer]

DEFAULT_PRICES = {
    "SPY": ["500.00"],
    "QQQ": ["400.00"],
    "TLT": ["90.00"],
}


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """Start test servers with any `AlpacaTestServer` arguments; all stop after the test."""
    started: list[AlpacaTestServer] = []

    def factory(**kwargs: Any) -> AlpacaTestServer:
        kwargs.setdefault("prices", DEFAULT_PRICES)
        server = AlpacaTestServer(**kwargs).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()
    for server in started:
        # The double answers as Alpaca's document says, and what it was sent conforms too.
        assert server.response_violations == []
        if not server.expect_bad_requests:
            assert server.request_violations == []


@pytest.fixture
def server(make_server: ServerFactory) -> AlpacaTestServer:
    return make_server(positions={"SPY": ("10", "450")})


BrokerFactory = Callable[..., "AlpacaBroker"]


@pytest.fixture
def make_broker() -> Iterator[BrokerFactory]:
    """An AlpacaBroker (real alpaca-py) on a test server, with short waits; closed afterwards."""
    from alchemiser.application.settings import AlpacaSettings
    from alchemiser.infrastructure.alpaca import AlpacaBroker, AlpacaEndpoints

    made: list[AlpacaBroker] = []

    def factory(server: AlpacaTestServer, **overrides: Any) -> AlpacaBroker:
        options: dict[str, Any] = {
            "request_timeout_seconds": 1.0,
            "max_retries": 3,
            "max_retry_wait_seconds": 0.5,
            "poll_interval_seconds": 0.1,
        }
        options.update(overrides)
        broker = AlpacaBroker(
            server.api_key,
            server.secret_key,
            live=False,
            settings=AlpacaSettings(**options),
            endpoints=AlpacaEndpoints(server.base_url, server.base_url, server.stream_url),
        )
        made.append(broker)
        return broker

    yield factory
    for broker in made:
        broker.close()
