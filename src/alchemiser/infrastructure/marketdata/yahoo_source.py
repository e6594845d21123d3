"""Yahoo Finance prices through `yfinance` (needs internet, no keys): adjusted daily closes.

yfinance does not raise on a bad symbol or a dropped connection; it logs and returns an empty or
all-NaN column. So a ticker without any price becomes a DataError here only when nothing came
back at all, and the cache in front of this source re-asks for sessions that came back empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.infrastructure.marketdata.symbols import normalise_tickers

Downloader = Callable[..., pd.DataFrame | None]
EARLIEST = dt.date(1990, 1, 1)
_FIELDS = {"close": "Close", "open": "Open", "high": "High", "low": "Low", "volume": "Volume"}


def _yfinance_download(*args: Any, **kwargs: Any) -> pd.DataFrame | None:
    import yfinance

    frame: pd.DataFrame | None = yfinance.download(*args, **kwargs)
    return frame


class YahooSource:
    """`MarketDataSource` over `yfinance.download` (injectable, so tests run offline)."""

    def __init__(self, download: Downloader = _yfinance_download, *, timeout: float = 20) -> None:
        self._download = download
        self._timeout = timeout

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
        frame = self._fetch(
            names,
            start=(start or EARLIEST).isoformat(),
            # yfinance's end is exclusive
            end=((end or dt.date.today()) + dt.timedelta(days=1)).isoformat(),
        )
        return _to_history(frame, names)

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        """The newest daily bar: during the session Yahoo's bar for today carries the last
        trade, which is the decision-time price of SPEC §8.3."""
        names = normalise_tickers(tickers)
        history = _to_history(self._fetch(names, period="5d"), names)
        out = {}
        for t in names:
            closes = history.closes(t)
            valid = closes[~np.isnan(closes)]
            if len(valid) == 0:
                raise _no_prices(t)
            out[t] = float(valid[-1])
        return out

    def _fetch(self, names: list[str], **window: str) -> pd.DataFrame:
        try:
            frame = self._download(
                names,
                interval="1d",
                auto_adjust=True,
                actions=False,
                progress=False,
                threads=False,
                group_by="column",
                multi_level_index=True,
                timeout=self._timeout,
                **window,
            )
        except Exception as exc:  # yfinance raises assorted network/JSON errors
            raise DataError(
                f"Yahoo Finance request for {', '.join(names)} failed: {exc}",
                context={"tickers": names, "source": "yahoo"},
                suggested_action="Check the internet connection, or use another --source.",
            ) from exc
        if frame is None or frame.empty:
            raise DataError(
                f"Yahoo Finance returned no prices for {', '.join(names)} "
                "(unknown symbol, empty range, or no internet connection)",
                context={"tickers": names, "ticker": names[0], "source": "yahoo"},
                suggested_action="Check the ticker symbols and the internet connection.",
            )
        return frame


def _to_history(frame: pd.DataFrame, names: list[str]) -> PriceHistory:
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    dates = index.to_numpy().astype("datetime64[D]")
    arrays: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for field, label in _FIELDS.items():
        block = np.full((len(dates), len(names)), np.nan)
        for j, ticker in enumerate(names):
            column = _column(frame, label, ticker, single=len(names) == 1)
            if column is not None:
                block[:, j] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
        arrays[field] = block
    has_row = ~np.all(np.isnan(arrays["close"]), axis=1)
    order = np.argsort(dates[has_row], kind="stable")
    keep = np.flatnonzero(has_row)[order]
    dates = dates[keep]
    # a repeated date (yfinance glitch around DST/timezones) keeps its last row
    last_of_day = np.r_[dates[1:] != dates[:-1], True] if len(dates) else np.zeros(0, bool)
    rows = keep[last_of_day]
    return PriceHistory(
        dates=dates[last_of_day],
        tickers=tuple(names),
        close=arrays["close"][rows],
        open=arrays["open"][rows],
        high=arrays["high"][rows],
        low=arrays["low"][rows],
        volume=arrays["volume"][rows],
        source="yahoo",
    )


def _column(frame: pd.DataFrame, label: str, ticker: str, *, single: bool) -> pd.Series | None:
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        if (label, ticker) in columns:
            return frame[(label, ticker)]
        if (ticker, label) in columns:  # group_by="ticker" layout
            return frame[(ticker, label)]
        return None
    if single and label in columns:
        return frame[label]
    return None


def _no_prices(ticker: str) -> DataError:
    return DataError(
        f"Yahoo Finance has no recent price for {ticker}",
        context={"ticker": ticker, "source": "yahoo"},
        suggested_action="Check the ticker symbol and the internet connection.",
    )
