"""Issue 16: one broker read, retries and waits included, ends within alpaca.deadline_seconds
(it used to retry every timeout: 5 × 10 s of silence before `status` said anything)."""

from __future__ import annotations

import time

import pytest

from alchemiser.infrastructure.alpaca.errors import AlpacaUnavailableError
from tests.alpaca.conftest import BrokerFactory, ServerFactory
from tests.fakes.alpaca_trading_server import Fault


@pytest.mark.timeout(60)
def test_a_silent_broker_read_ends_at_the_deadline_not_after_every_retry(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    server.add_fault(Fault(method="GET", path="/v2/account", delay=3.0, count=20))
    broker = make_broker(server, request_timeout_seconds=2.5, max_retries=10, deadline_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(AlpacaUnavailableError) as caught:
        broker.account()
    elapsed = time.monotonic() - started
    # without the deadline: 11 attempts × 2.5 s; the first request's timeout is cut to 1 s
    assert elapsed < 6, elapsed
    assert "did not answer read account in time" in caught.value.message
    assert "gave up at the 1 s deadline" in caught.value.message
    assert "alpaca.deadline_seconds" in caught.value.suggested_action


def test_a_broker_that_keeps_failing_fast_is_not_said_to_hit_the_deadline(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    server.add_fault(Fault(method="GET", path="/v2/account", status=503, count=20))
    broker = make_broker(server, max_retries=2, deadline_seconds=30)
    with pytest.raises(AlpacaUnavailableError) as caught:
        broker.account()
    assert "HTTP 503" in caught.value.message
    assert "deadline" not in caught.value.message  # the retry count ended it
