"""Yahoo Finance prices through `yfinance` (needs internet, no keys): adjusted daily closes.

One request per ticker, `market_data.workers` at a time, the whole fetch bounded by
`market_data.deadline_seconds` (see `network`). yfinance is told to raise instead of logging
and returning an empty column (`config.debug.hide_exceptions = False`), so a dropped connection
is told apart from an unknown symbol: the first is DataUnavailableError (the source is
unreachable: worth retrying later), the second a DataError naming the ticker.

yfinance's own timeouts are not all ours (its cookie request waits 30 s, its timezone request
10 s), so its HTTP session is one that caps every request at `request_timeout_seconds`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alchemiser.application.ports.market_data import FetchProgress
from alchemiser.domain.errors import AlchemiserError, DataError, DataUnavailableError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.infrastructure.marketdata.network import (
    DEFAULT_LIMITS,
    DeadlineExceededError,
    NetworkLimits,
    NoProgress,
    Outage,
    fetch_each,
    shown,
)
from alchemiser.infrastructure.marketdata.symbols import normalise_tickers

TickerFetcher = Callable[..., pd.DataFrame | None]
"""`fetch(ticker, *, start, end, period, timeout)` → yfinance's frame for one ticker."""
EARLIEST = dt.date(1990, 1, 1)
_FIELDS = {"close": "Close", "open": "Open", "high": "High", "low": "Low", "volume": "Volume"}
_ADVICE = "Check the internet connection (and any HTTPS proxy), or use another --source."

_setup_lock = threading.Lock()
_shared: dict[str, Any] = {}
"""yfinance's session is process-wide (a singleton inside yfinance): installed once."""


def _capped_session(timeout: float) -> Any:
    """yfinance's kind of session (curl_cffi impersonating a browser) with every request's
    timeout capped at `timeout` (yfinance passes 30 s to some requests whatever we ask)."""
    from curl_cffi import requests as curl_requests

    class CappedSession(curl_requests.Session):  # type: ignore[type-arg]
        cap = timeout

        def request(self, *args: Any, **kwargs: Any) -> Any:
            given = kwargs.get("timeout")
            number = isinstance(given, int | float) and not isinstance(given, bool)
            kwargs["timeout"] = min(float(given), self.cap) if number and given else self.cap
            return super().request(*args, **kwargs)

    return CappedSession(impersonate="chrome")


class YFinanceFetcher:
    """One ticker's daily bars from yfinance (the default `TickerFetcher`)."""

    def prepare(self, timeout: float) -> None:
        """Import yfinance and install the capped session, before the deadline's clock starts
        (importing yfinance takes seconds on a busy machine; that is not the network's time)."""
        import yfinance

        with _setup_lock:
            yfinance.config.debug.hide_exceptions = False
            if "session" not in _shared:
                _shared["session"] = _capped_session(timeout)
                # installs it in yfinance's process-wide YfData
                yfinance.Ticker("SPY", session=_shared["session"])
            _shared["session"].cap = timeout

    def __call__(
        self, ticker: str, *, start: str | None, end: str | None, period: str | None, timeout: float
    ) -> pd.DataFrame | None:
        import yfinance

        self.prepare(timeout)
        window: dict[str, Any] = {"period": period} if period else {"start": start, "end": end}
        frame: pd.DataFrame | None = yfinance.Ticker(ticker).history(
            interval="1d", auto_adjust=True, actions=False, timeout=timeout, **window
        )
        return frame


class YahooSource:
    """`MarketDataSource` over yfinance's per-ticker history (injectable, so tests run offline)."""

    def __init__(
        self,
        fetch: TickerFetcher | None = None,
        *,
        limits: NetworkLimits = DEFAULT_LIMITS,
        progress: FetchProgress | None = None,
        outage: Outage | None = None,
    ) -> None:
        self._fetch_one: TickerFetcher = fetch or YFinanceFetcher()
        self.limits = limits
        self.progress: FetchProgress = progress or NoProgress()
        self._outage = outage or Outage()

    @property
    def name(self) -> str:
        return "yahoo"

    @property
    def synthetic(self) -> bool:
        return False

    def history(
        self, tickers: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> PriceHistory:
        names = normalise_tickers(tickers)
        frames = self._fetch(
            names,
            start=(start or EARLIEST).isoformat(),
            # yfinance's end is exclusive
            end=((end or dt.date.today()) + dt.timedelta(days=1)).isoformat(),
            period=None,
        )
        return _to_history(frames, names)

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        """The newest daily bar: during the session Yahoo's bar for today carries the last
        trade, which is the decision-time price of SPEC §8.3."""
        names = normalise_tickers(tickers)
        history = _to_history(self._fetch(names, start=None, end=None, period="5d"), names)
        out = {}
        for t in names:
            closes = history.closes(t)
            valid = closes[~np.isnan(closes)]
            if len(valid) == 0:
                raise _no_prices(t)
            out[t] = float(valid[-1])
        return out

    def _fetch(
        self, names: list[str], *, start: str | None, end: str | None, period: str | None
    ) -> dict[str, pd.DataFrame]:
        limits = self.limits

        def one(ticker: str) -> pd.DataFrame:
            try:
                frame = self._fetch_one(
                    ticker, start=start, end=end, period=period, timeout=limits.request_timeout
                )
            except Exception as exc:
                raise _translate(exc, ticker, limits) from None
            if frame is None or frame.empty:
                raise DataError(
                    f"Yahoo Finance returned no prices for {ticker} (unknown symbol or empty "
                    "range)",
                    context={"ticker": ticker, "source": "yahoo"},
                    suggested_action="Check the ticker symbol and the date range.",
                )
            return frame

        label = f"yahoo: {len(names)} ticker{'s' if len(names) != 1 else ''}"
        with self._outage.guard(names):  # during an outage, yfinance is not even imported
            prepare = getattr(self._fetch_one, "prepare", None)
            if callable(prepare):
                prepare(limits.request_timeout)
            try:
                with self.progress.track(label, len(names)) as advance:
                    frames = fetch_each(
                        names,
                        one,
                        workers=limits.workers,
                        deadline=limits.deadline,
                        on_done=advance,
                    )
            except DeadlineExceededError as late:
                raise DataUnavailableError(
                    f"Yahoo Finance did not answer within the {limits.deadline:g} s deadline: "
                    f"{len(late.pending)} of {late.total} tickers missing ({shown(late.pending)})",
                    context={
                        "tickers": late.pending,
                        "source": "yahoo",
                        "deadline": limits.deadline,
                    },
                    suggested_action=_ADVICE + " The deadline is market_data.deadline_seconds.",
                ) from None
        return dict(zip(names, frames, strict=True))


def _translate(exc: Exception, ticker: str, limits: NetworkLimits) -> AlchemiserError:
    """yfinance's and the HTTP library's exceptions → DataUnavailableError (network) or
    DataError (this ticker), both naming the source and the ticker."""
    from yfinance.exceptions import YFRateLimitError, YFTickerMissingError

    context = {"ticker": ticker, "tickers": [ticker], "source": "yahoo"}
    if isinstance(exc, YFRateLimitError):
        return DataUnavailableError(
            f"Yahoo Finance is rate-limiting requests (HTTP 429) at {ticker}",
            context=context,
            suggested_action="Retry in a few minutes, or lower market_data.workers.",
        )
    if isinstance(exc, YFTickerMissingError):
        return DataError(
            f"Yahoo Finance has no prices for {ticker}: {_first_line(exc)}",
            context=context,
            suggested_action="Check the ticker symbol (delisted, or a typo).",
        )
    # curl_cffi's and requests' errors are OSErrors; their JSON errors are ValueErrors too (an
    # answer arrived but was not readable: that is not an outage).
    if isinstance(exc, OSError | TimeoutError) and not isinstance(exc, ValueError):
        timed_out = "timeout" in type(exc).__name__.lower() or "timed out" in str(exc).lower()
        why = (
            f"no answer within {limits.request_timeout:g} s"
            if timed_out
            else f"{type(exc).__name__}: {_first_line(exc)}"
        )
        return DataUnavailableError(
            f"cannot reach Yahoo Finance for {ticker} ({why})",
            context=context,
            suggested_action=_ADVICE,
        )
    return DataError(
        f"Yahoo Finance request for {ticker} failed: {type(exc).__name__}: {_first_line(exc)}",
        context=context,
        suggested_action=_ADVICE,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no detail"


def _to_history(frames: dict[str, pd.DataFrame], names: list[str]) -> PriceHistory:
    indexes = {t: _day_index(frames[t]) for t in names}
    all_days = np.unique(np.concatenate(list(indexes.values()) or [np.array([], "M8[D]")]))
    arrays: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {
        field: np.full((len(all_days), len(names)), np.nan) for field in _FIELDS
    }
    for j, ticker in enumerate(names):
        frame, days = frames[ticker], indexes[ticker]
        # a repeated date (yfinance glitch around DST/timezones) keeps its last row
        order = np.argsort(days, kind="stable")
        ordered = days[order]
        last_of_day = np.r_[ordered[1:] != ordered[:-1], True] if len(days) else np.zeros(0, bool)
        rows = order[last_of_day]
        at = np.searchsorted(all_days, days[rows])
        for field, label in _FIELDS.items():
            if label in frame.columns:
                values = pd.to_numeric(frame[label], errors="coerce").to_numpy(dtype=np.float64)
                arrays[field][at, j] = values[rows]
    has_row = ~np.all(np.isnan(arrays["close"]), axis=1)
    return PriceHistory(
        dates=all_days[has_row],
        tickers=tuple(names),
        close=arrays["close"][has_row],
        open=arrays["open"][has_row],
        high=arrays["high"][has_row],
        low=arrays["low"][has_row],
        volume=arrays["volume"][has_row],
        source="yahoo",
    )


def _day_index(frame: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.to_numpy().astype("datetime64[D]")


def _no_prices(ticker: str) -> DataError:
    return DataError(
        f"Yahoo Finance has no recent price for {ticker}",
        context={"ticker": ticker, "source": "yahoo"},
        suggested_action="Check the ticker symbol and the internet connection.",
    )
