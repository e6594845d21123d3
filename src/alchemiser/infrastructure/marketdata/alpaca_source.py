"""Alpaca market data through the official `alpaca-py` client (SPEC §8.1, §8.3).

Daily bars with `adjustment=ALL` (split- and dividend-adjusted) from the configured feed (IEX by
default; SIP needs a subscription); decision-time prices from the latest trade, or the quote mid
when a symbol has no recent trade.

Every call ends within `market_data.deadline_seconds` (pages of a long history included), each
HTTP request within `request_timeout_seconds` (alpaca-py sets none of its own), and alpaca-py's
hidden retries are off: an unreachable Alpaca is a DataUnavailableError naming the tickers.
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
from alchemiser.infrastructure.marketdata.network import (
    DEFAULT_LIMITS,
    DeadlineExceededError,
    NetworkLimits,
    Outage,
    fetch_each,
    shown,
)
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

    def __init__(
        self,
        client: _HistoricalClient,
        *,
        feed: str = "iex",
        limits: NetworkLimits = DEFAULT_LIMITS,
        outage: Outage | None = None,
    ) -> None:
        self._client = client
        self.feed = feed
        self.limits = limits
        self._outage = outage or Outage()

    @classmethod
    def connect(
        cls,
        api_key: str | None,
        secret_key: str | None,
        *,
        url: str | None,
        feed: str,
        limits: NetworkLimits = DEFAULT_LIMITS,
    ) -> AlpacaSource:
        if not api_key or not secret_key:
            raise ConfigurationError(
                "the alpaca market data source needs an API key pair",
                context={"setting": "ALPACA_API_KEY / ALPACA_SECRET_KEY"},
                suggested_action="Set ALPACA_API_KEY and ALPACA_SECRET_KEY (paper keys are "
                "fine for market data), or use --source synthetic / yahoo / files:PATH.",
            )
        from alpaca.data.historical import StockHistoricalDataClient

        from alchemiser.infrastructure.alpaca.transport import (
            LimitedSession,
            RateLimiter,
            take_over_transport,
        )

        client = StockHistoricalDataClient(api_key, secret_key, url_override=url)
        # Alpaca's 200 requests/min budget; a request never waits longer than its timeout
        limiter = RateLimiter(190, 60.0)
        take_over_transport(
            client,
            LimitedSession(limiter, limits.request_timeout, max_pause=limits.request_timeout),
        )
        return cls(client, feed=feed, limits=limits)

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
        """`method(request)` within the deadline; failures become DATA errors naming the
        tickers, and an unreachable Alpaca is remembered for a short while (`Outage`)."""
        deadline = self.limits.deadline
        with self._outage.guard(names):
            try:
                (answer,) = fetch_each(
                    [names],
                    lambda _names: self._call_once(method, request, names),
                    workers=1,
                    deadline=deadline,
                    name=lambda _names: shown(names),
                )
            except DeadlineExceededError:
                raise DataUnavailableError(
                    f"Alpaca market data did not answer within the {deadline:g} s deadline "
                    f"({shown(names)})",
                    context={"tickers": names, "source": self.name, "deadline": deadline},
                    suggested_action="Check the network connection and alpaca_data_url; the "
                    "deadline is market_data.deadline_seconds.",
                ) from None
        return answer

    def _call_once(self, method: Any, request: Any, names: list[str]) -> Any:
        from alpaca.common.exceptions import APIError
        from requests.exceptions import RequestException, Timeout

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
            if isinstance(exc, ValueError):  # requests' JSONDecodeError: an answer, unreadable
                raise DataError(
                    f"Alpaca market data sent an unreadable answer for {shown(names)}",
                    context={"tickers": names, "source": self.name},
                ) from None
            why = (
                f"no answer within {self.limits.request_timeout:g} s"
                if isinstance(exc, Timeout)
                else type(exc).__name__
            )
            raise DataUnavailableError(
                f"cannot reach Alpaca market data for {shown(names)} ({why})",
                context={"tickers": names, "source": self.name},
                suggested_action="Check the network connection and alpaca_data_url.",
            ) from None


def _status_of(exc: Exception) -> int | None:
    try:
        status = exc.status_code  # type: ignore[attr-defined]
    except Exception:
        return None
    return int(status) if status is not None else None
