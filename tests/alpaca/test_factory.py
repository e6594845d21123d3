"""Building the broker from settings: the right key pair, or a clear refusal."""

from __future__ import annotations

import pytest

from alchemiser import bootstrap
from alchemiser.domain.errors import ConfigurationError
from alchemiser.infrastructure.alpaca import AlpacaBroker
from tests.alpaca.conftest import ServerFactory


def test_paper_needs_the_paper_pair_and_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALPACA_API_KEY", "PKONLYKEY")
    with pytest.raises(ConfigurationError, match="ALPACA_SECRET_KEY") as caught:
        bootstrap.alpaca_broker(bootstrap.load_settings(), live=False)
    assert "ALPACA_API_KEY" not in caught.value.message.split("needs")[1]
    assert "PKONLYKEY" not in str(caught.value)


def test_live_needs_the_live_pair_even_when_paper_keys_exist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALPACA_API_KEY", "PKPAPER1")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "paper-secret")
    with pytest.raises(ConfigurationError, match="ALPACA_LIVE_API_KEY and ALPACA_LIVE_SECRET_KEY"):
        bootstrap.alpaca_broker(bootstrap.load_settings(), live=True)


def test_live_refuses_a_paper_key_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPACA_LIVE_API_KEY", "PKLOOKSPAPER")
    monkeypatch.setenv("ALPACA_LIVE_SECRET_KEY", "live-secret")
    with pytest.raises(ConfigurationError, match="looks like a paper key"):
        bootstrap.alpaca_broker(bootstrap.load_settings(), live=True)


def test_paper_never_uses_live_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALPACA_LIVE_API_KEY", "AKLIVE1")
    monkeypatch.setenv("ALPACA_LIVE_SECRET_KEY", "live-secret")
    with pytest.raises(ConfigurationError, match="ALPACA_API_KEY and ALPACA_SECRET_KEY"):
        bootstrap.alpaca_broker(bootstrap.load_settings(), live=False)


def test_settings_reach_the_broker_and_urls_point_at_the_override(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_server()
    monkeypatch.setenv("ALPACA_API_KEY", server.api_key)
    monkeypatch.setenv("ALPACA_SECRET_KEY", server.secret_key)
    monkeypatch.setenv("ALCHEMISER_ALPACA_BASE_URL", server.base_url)
    monkeypatch.setenv("ALCHEMISER_ALPACA_DATA_URL", server.base_url)
    monkeypatch.setenv("ALCHEMISER_ALPACA_STREAM_URL", server.stream_url)
    monkeypatch.setenv("ALCHEMISER_ALPACA__MAX_REQUESTS_PER_MINUTE", "3")
    monkeypatch.setenv("ALCHEMISER_ALPACA__USE_STREAM", "false")
    broker = bootstrap.alpaca_broker(bootstrap.load_settings(), live=False)
    assert isinstance(broker, AlpacaBroker)
    try:
        assert broker.name == "alpaca-paper"
        assert broker.account().cash > 0  # reached the test server with the paper pair
        broker.start_stream()  # use_stream=false: no stream thread, no connection
        assert server.stream_connections == 0
        assert broker.limiter.max_calls == 3
    finally:
        broker.close()
