"""Alpaca market data through the real alpaca-py client against a local server on 127.0.0.1
that answers as Alpaca's Market Data OpenAPI document says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from alchemiser import bootstrap
from alchemiser.domain.errors import AuthenticationError, ConfigurationError, DataError
from alchemiser.infrastructure.calendar import nyse_calendar
from alchemiser.infrastructure.marketdata.alpaca_source import AlpacaSource
from alchemiser.infrastructure.marketdata.cached_source import CachedSource
from alchemiser.infrastructure.marketdata.parquet_cache import ParquetCache
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket
from tests.fakes.alpaca_market_data import AlpacaMarketDataServer

MARKET = SyntheticMarket(5)  # served by the fake up to today


@pytest.fixture
def server() -> Iterator[AlpacaMarketDataServer]:
    history = MARKET.history(["SPY", "QQQ", "TLT"], dt.date(2024, 6, 3))
    fake = AlpacaMarketDataServer(
        history, trades={"SPY": 601.25}, quotes={"QQQ": (500.0, 500.5), "TLT": (0.0, 0.0)}
    ).start()
    yield fake
    fake.stop()


def source_for(server: AlpacaMarketDataServer, **kwargs: str) -> AlpacaSource:
    return AlpacaSource.connect(
        kwargs.get("key", server.api_key),
        kwargs.get("secret", server.secret_key),
        url=kwargs.get("url", server.base_url),
        feed="iex",
    )


def at_close(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(21, 30), tzinfo=dt.UTC)


def test_bars_are_adjusted_daily_bars_on_new_york_dates(server: AlpacaMarketDataServer) -> None:
    h = source_for(server).history(["SPY", "QQQ"], dt.date(2024, 12, 30), dt.date(2025, 1, 10))
    (request,) = server.bar_requests()
    assert request.params["adjustment"] == "all"
    assert request.params["feed"] == "iex"
    assert request.params["timeframe"] == "1Day"
    assert request.symbols == ["SPY", "QQQ"]
    expected = MARKET.history(["SPY", "QQQ"], dt.date(2024, 12, 30), dt.date(2025, 1, 10))
    np.testing.assert_array_equal(h.dates, expected.dates)  # no Jan 1, no Jan 9
    np.testing.assert_array_equal(h.close, expected.close)
    assert h.high is not None
    np.testing.assert_allclose(h.high, np.round(expected.close * 1.01, 4))
    assert h.source == "alpaca (iex)"


def test_paged_answers_are_followed(server: AlpacaMarketDataServer) -> None:
    server.max_page = 7
    h = source_for(server).history(["QQQ", "SPY"], dt.date(2024, 12, 2), dt.date(2024, 12, 31))
    assert len(server.bar_requests()) == 6  # 2 × 21 sessions in pages of 7
    assert server.bar_requests()[1].params["page_token"]
    expected = MARKET.history(["QQQ", "SPY"], dt.date(2024, 12, 2), dt.date(2024, 12, 31))
    np.testing.assert_array_equal(h.close, expected.close)


def test_round_trip_through_the_cache_fetches_only_missing_sessions(
    server: AlpacaMarketDataServer, tmp_path: Path
) -> None:
    def cached_at(day: dt.date) -> CachedSource:
        return CachedSource(
            source_for(server),
            ParquetCache(tmp_path / "alpaca-iex"),
            nyse_calendar(),
            default_start=dt.date(2024, 12, 2),
            now=lambda: at_close(day),
        )

    first = cached_at(dt.date(2025, 1, 8)).history(["SPY", "QQQ"])
    assert first.last_date == dt.date(2025, 1, 8)
    assert len(server.bar_requests()) == 1
    assert server.bar_requests()[0].params["start"].startswith("2024-12-02T05:00:00")

    cached_at(dt.date(2025, 1, 8)).history(["SPY", "QQQ"])
    assert len(server.bar_requests()) == 1  # nothing new: no request at all

    later = cached_at(dt.date(2025, 1, 14)).history(["SPY", "QQQ"])
    (incremental,) = server.bar_requests()[1:]
    assert incremental.symbols == ["SPY", "QQQ"]
    assert incremental.params["start"].startswith("2025-01-09T05:00:00")  # midnight New York
    assert incremental.params["end"].startswith("2025-01-15T04:59:59")  # end of Jan 14
    expected = MARKET.history(["SPY", "QQQ"], dt.date(2024, 12, 2), dt.date(2025, 1, 14))
    np.testing.assert_array_equal(later.dates, expected.dates)
    np.testing.assert_array_equal(later.close, expected.close)


def test_bootstrap_builds_a_cached_alpaca_source_from_settings(
    server: AlpacaMarketDataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALPACA_API_KEY", server.api_key)
    monkeypatch.setenv("ALPACA_SECRET_KEY", server.secret_key)
    monkeypatch.setenv("ALCHEMISER_ALPACA_DATA_URL", server.base_url)
    settings = bootstrap.load_settings()
    source = bootstrap.market_data_source(settings, "alpaca")
    assert source.name == "alpaca (iex)"
    h = source.history(["TLT"], dt.date(2025, 1, 2), dt.date(2025, 1, 10))
    assert h.dates.astype(str).tolist()[-1] == "2025-01-10"
    assert (settings.cache_dir / "alpaca-iex" / "TLT.parquet").exists()
    assert source.latest_prices(["SPY"]) == {"SPY": 601.25}


def test_latest_price_is_the_trade_else_the_quote_mid(server: AlpacaMarketDataServer) -> None:
    source = source_for(server)
    assert source.latest_prices(["SPY", "QQQ"]) == {"SPY": 601.25, "QQQ": 500.25}
    with pytest.raises(DataError, match="no latest trade or quote for TLT"):
        source.latest_prices(["TLT"])  # a zero quote is no price


def test_unknown_ticker_through_the_cache_names_it(
    server: AlpacaMarketDataServer, tmp_path: Path
) -> None:
    source = CachedSource(
        source_for(server),
        ParquetCache(tmp_path),
        nyse_calendar(),
        default_start=dt.date(2025, 1, 2),
        now=lambda: at_close(dt.date(2025, 1, 10)),
    )
    with pytest.raises(DataError, match="no prices for NOPE"):
        source.history(["SPY", "NOPE"])


def test_missing_and_wrong_keys(server: AlpacaMarketDataServer) -> None:
    with pytest.raises(ConfigurationError, match="API key pair") as info:
        AlpacaSource.connect(None, None, url=server.base_url, feed="iex")
    assert "ALPACA_API_KEY" in info.value.context["setting"]
    with pytest.raises(AuthenticationError, match="HTTP 401"):
        source_for(server, secret="wrong").history(["SPY"], dt.date(2025, 1, 2), None)


def test_server_error_and_unreachable_server(server: AlpacaMarketDataServer) -> None:
    server.fail_with = 500
    with pytest.raises(DataError, match=r"request for SPY failed \(HTTP 500\)"):
        source_for(server).history(["SPY"], dt.date(2025, 1, 2), dt.date(2025, 1, 3))
    with pytest.raises(DataError, match="cannot reach Alpaca market data"):
        source_for(server, url="http://127.0.0.1:9").history(["SPY"], dt.date(2025, 1, 2), None)


# -- contract: the fake answers as Alpaca's OpenAPI document says ---------------------------------


@cache
def _spec(path: Path) -> OpenAPI:
    return OpenAPI.from_file_path(str(path))


def _auth(server: AlpacaMarketDataServer) -> dict[str, str]:
    return {"APCA-API-KEY-ID": server.api_key, "APCA-API-SECRET-KEY": server.secret_key}


def _get(server: AlpacaMarketDataServer, path: str, params: dict[str, str]) -> requests.Response:
    return requests.get(server.base_url + path, params=params, headers=_auth(server), timeout=5)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (
            "/v2/stocks/bars",
            {
                "symbols": "SPY,QQQ",
                "timeframe": "1Day",
                "start": "2025-01-02T05:00:00Z",
                "end": "2025-01-10T05:00:00Z",
                "adjustment": "all",
                "feed": "iex",
                "limit": "3",
            },
        ),
        ("/v2/stocks/bars", {"symbols": "NOPE", "timeframe": "1Day", "feed": "iex"}),
        ("/v2/stocks/trades/latest", {"symbols": "SPY", "feed": "iex"}),
        ("/v2/stocks/quotes/latest", {"symbols": "QQQ", "feed": "iex"}),
    ],
)
def test_fake_answers_conform_to_the_market_data_openapi_document(
    server: AlpacaMarketDataServer,
    alpaca_openapi_dir: Path,
    path: str,
    params: dict[str, str],
) -> None:
    spec = _spec(alpaca_openapi_dir / "market-data-api.yaml")
    response = _get(server, path, params)
    assert response.status_code == 200, response.text
    request = MockRequest(
        "https://data.alpaca.markets", "get", path, args=params, headers=_auth(server)
    )
    mock = MockResponse(response.content, status_code=200, content_type="application/json")
    spec.validate_request(request)
    spec.validate_response(request, mock)
    if path == "/v2/stocks/bars" and params["symbols"] == "SPY,QQQ":
        body = response.json()
        assert body["next_page_token"]  # 12 bars in pages of 3
        assert list(body["bars"]) == ["QQQ"]  # sorted by symbol first


def test_requests_alpaca_py_sends_conform_too(
    server: AlpacaMarketDataServer, alpaca_openapi_dir: Path
) -> None:
    """The other half of the contract: what our adapter asks is what Alpaca documents."""
    spec = _spec(alpaca_openapi_dir / "market-data-api.yaml")
    source = source_for(server)
    source.history(["SPY", "QQQ"], dt.date(2025, 1, 2), dt.date(2025, 1, 10))
    source.latest_prices(["SPY", "QQQ"])
    assert [r.path for r in server.requests] == [
        "/v2/stocks/bars",
        "/v2/stocks/trades/latest",
        "/v2/stocks/quotes/latest",
    ]
    for recorded in server.requests:
        spec.validate_request(
            MockRequest(
                "https://data.alpaca.markets",
                "get",
                recorded.path,
                args=recorded.params,
                headers=_auth(server),
            )
        )
