"""Alpaca market data through the official `alpaca-py` client (SPEC §8.1, §8.3).

Daily bars with `adjustment=ALL` (split- and dividend-adjusted) from the configured feed (IEX by
default; SIP needs a subscription); decision-time prices from the latest trade, or the quote mid
when a symbol has no recent trade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from alchemiser.domain.errors import (
    AuthenticationError,
    ConfigurationError,
    DataError,
    DataUnavailableError,
)
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.infrastructure.marketdata.symbols import normalise_tickers

NEW_YORK = ZoneInfo("America/New_York")
EARLIEST = dt.date(2016, 1, 1)
"""Alpaca's stock history starts in 2016."""
_FIELDS = ("close", "open", "high", "low", "volume")


class _HistoricalClient(Protocol):
    def get_stock_bars(self, request_params: Any) -> Any: ...
    def get_stock_latest_trade(self, request_params: Any) -> Any: ...
    def get_stock_latest_quote(self, request_params: Any) -> Any: ...


class AlpacaSource:
    """`MarketDataSource` over `StockHistoricalDataClient`."""

    def __init__(self, client: _HistoricalClient, *, feed: str = "iex") -> None:
        self._client = client
        self.feed = feed

    @classmethod
    def connect(
        cls, api_key: str | None, secret_key: str | None, *, url: str | None, feed: str
    ) -> AlpacaSource:
        if not api_key or not secret_key:
            raise ConfigurationError(
                "the alpaca market data source needs an API key pair",
                context={"setting": "ALPACA_API_KEY / ALPACA_SECRET_KEY"},
                suggested_action="Set ALPACA_API_KEY and ALPACA_SECRET_KEY (paper keys are "
                "fine for market data), or use --source synthetic / yahoo / files:PATH.",
            )
        from alpaca.data.historical import StockHistoricalDataClient

        client = StockHistoricalDataClient(api_key, secret_key, url_override=url)
        return cls(client, feed=feed)

    @property
    def name(self) -> str:
        return f"alpaca ({self.feed})"

    @property
    def synthetic(self) -> bool:
        return False

    def history(
        self, tickers: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> PriceHistory:
        from alpaca.data.enums import Adjustment, DataFeed
        from alpaca.data.requests import StockBarsRequest
        from alpaca.data.timeframe import TimeFrame

        names = normalise_tickers(tickers)
        first = start or EARLIEST
        last = end or dt.datetime.now(NEW_YORK).date()
        request = StockBarsRequest(
            symbol_or_symbols=names,
            timeframe=TimeFrame.Day,
            start=dt.datetime.combine(first, dt.time(0, 0), tzinfo=NEW_YORK),
            end=dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=NEW_YORK),
            adjustment=Adjustment.ALL,
            feed=DataFeed(self.feed),
        )
        barset = self._call(self._client.get_stock_bars, request, names)
        data: dict[str, list[Any]] = getattr(barset, "data", {}) or {}
        per_ticker: dict[str, dict[dt.date, tuple[float, ...]]] = {}
        for ticker in names:
            rows: dict[dt.date, tuple[float, ...]] = {}
            for bar in data.get(ticker, []):
                # daily bars are stamped at midnight New York time (04:00/05:00 UTC)
                day = bar.timestamp.astimezone(NEW_YORK).date()
                rows[day] = (bar.close, bar.open, bar.high, bar.low, bar.volume)
            per_ticker[ticker] = rows
        all_days = sorted({d for rows in per_ticker.values() for d in rows})
        dates = np.array([d.isoformat() for d in all_days], dtype="datetime64[D]")
        arrays = {f: np.full((len(dates), len(names)), np.nan) for f in _FIELDS}
        for j, ticker in enumerate(names):
            rows = per_ticker[ticker]
            if not rows:
                continue
            days = np.array([d.isoformat() for d in rows], dtype="datetime64[D]")
            index = np.searchsorted(dates, days)
            values = np.array(list(rows.values()), dtype=np.float64)
            for k, f in enumerate(_FIELDS):
                arrays[f][index, j] = values[:, k]
        return PriceHistory(
            dates=dates,
            tickers=tuple(names),
            close=arrays["close"],
            open=arrays["open"],
            high=arrays["high"],
            low=arrays["low"],
            volume=arrays["volume"],
            source=self.name,
        )

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        from alpaca.data.enums import DataFeed
        from alpaca.data.requests import StockLatestQuoteRequest, StockLatestTradeRequest

        names = normalise_tickers(tickers)
        feed = DataFeed(self.feed)
        trades = self._call(
            self._client.get_stock_latest_trade,
            StockLatestTradeRequest(symbol_or_symbols=names, feed=feed),
            names,
        )
        prices = {t: float(trades[t].price) for t in names if t in trades and trades[t].price > 0}
        missing = [t for t in names if t not in prices]
        if missing:
            quotes = self._call(
                self._client.get_stock_latest_quote,
                StockLatestQuoteRequest(symbol_or_symbols=missing, feed=feed),
                missing,
            )
            for t in missing:
                quote = quotes.get(t)
                if quote is not None and quote.bid_price > 0 and quote.ask_price > 0:
                    prices[t] = (float(quote.bid_price) + float(quote.ask_price)) / 2
        for t in names:
            if t not in prices:
                raise DataError(
                    f"Alpaca has no latest trade or quote for {t}",
                    context={"ticker": t, "source": self.name},
                    suggested_action="Check the ticker symbol and the feed (IEX covers fewer "
                    "symbols than SIP).",
                )
        return {t: prices[t] for t in names}

    def _call(self, method: Any, request: Any, names: list[str]) -> Any:
        from alpaca.common.exceptions import APIError
        from requests.exceptions import RequestException

        try:
            return method(request)
        except APIError as exc:
            status = _status_of(exc)
            if status in (401, 403):
                raise AuthenticationError(
                    f"Alpaca market data refused the API keys (HTTP {status})",
                    context={"source": self.name, "status": status},
                ) from None
            unavailable = status is not None and (status >= 500 or status == 429)
            raise (DataUnavailableError if unavailable else DataError)(
                f"Alpaca market data request for {', '.join(names)} failed (HTTP {status}): {exc}",
                context={"tickers": names, "source": self.name, "status": status},
                suggested_action="Retry later; HTTP 429 means the 200 requests/min limit.",
            ) from None
        except RequestException as exc:
            raise DataUnavailableError(
                f"cannot reach Alpaca market data: {type(exc).__name__}",
                context={"tickers": names, "source": self.name},
                suggested_action="Check the network connection and alpaca_data_url.",
            ) from None


def _status_of(exc: Exception) -> int | None:
    try:
        status = exc.status_code  # type: ignore[attr-defined]
    except Exception:
        return None
    return int(status) if status is not None else None
