"""Yahoo source: offline with a stub shaped like yfinance's output; online with `-m network`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alchemiser.domain.errors import DataError
from alchemiser.infrastructure.marketdata.yahoo_source import YahooSource


def yfinance_frame(closes: dict[str, list[float]], days: list[str]) -> pd.DataFrame:
    """What `yfinance.download(..., group_by="column", multi_level_index=True)` returns."""
    columns = pd.MultiIndex.from_product(
        [["Close", "High", "Low", "Open", "Volume"], list(closes)], names=["Price", "Ticker"]
    )
    data = {}
    for field in ["Close", "High", "Low", "Open", "Volume"]:
        for ticker, values in closes.items():
            scale = {"Close": 1.0, "High": 1.01, "Low": 0.99, "Open": 1.0, "Volume": 1000.0}
            data[(field, ticker)] = [v * scale[field] for v in values]
    return pd.DataFrame(data, index=pd.DatetimeIndex(pd.to_datetime(days), name="Date"))[columns]


class StubDownload:
    def __init__(self, frame: pd.DataFrame | None) -> None:
        self.frame = frame
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, tickers: Any, **kwargs: Any) -> pd.DataFrame | None:
        self.calls.append((tickers, kwargs))
        return self.frame


def test_history_asks_for_adjusted_prices_with_an_exclusive_end() -> None:
    frame = yfinance_frame(
        {"SPY": [590.0, 595.5, 600.25], "TLT": [87.0, np.nan, 88.0]},
        ["2025-01-02", "2025-01-03", "2025-01-06"],
    )
    stub = StubDownload(frame)
    h = YahooSource(stub).history(["spy", "TLT"], dt.date(2025, 1, 2), dt.date(2025, 1, 6))
    (tickers, kwargs) = stub.calls[0]
    assert tickers == ["SPY", "TLT"]
    assert kwargs["auto_adjust"] is True
    assert kwargs["start"] == "2025-01-02"
    assert kwargs["end"] == "2025-01-07"  # yfinance's end is exclusive
    assert kwargs["interval"] == "1d"
    assert kwargs["progress"] is False
    assert h.tickers == ("SPY", "TLT")
    assert h.dates.astype(str).tolist() == ["2025-01-02", "2025-01-03", "2025-01-06"]
    np.testing.assert_array_equal(h.closes("SPY"), [590.0, 595.5, 600.25])
    np.testing.assert_array_equal(h.closes("TLT"), [87.0, np.nan, 88.0])
    assert h.volume is not None
    assert h.volume[0, 0] == 590_000.0
    assert h.source == "yahoo"
    assert not h.synthetic


def test_single_ticker_flat_columns_and_latest_price() -> None:
    frame = yfinance_frame({"QQQ": [500.0, 505.0]}, ["2025-01-02", "2025-01-03"])
    flat = frame.droplevel(1, axis=1)
    stub = StubDownload(flat)
    assert YahooSource(stub).latest_prices(["QQQ"]) == {"QQQ": 505.0}
    assert stub.calls[0][1]["period"] == "5d"


def test_nothing_returned_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="Yahoo Finance returned no prices for NOPE"):
        YahooSource(StubDownload(pd.DataFrame())).history(["NOPE"], dt.date(2025, 1, 2), None)
    with pytest.raises(DataError, match="Yahoo Finance returned no prices"):
        YahooSource(StubDownload(None)).latest_prices(["NOPE"])


def test_downloader_exception_becomes_data_error() -> None:
    def broken(*args: Any, **kwargs: Any) -> pd.DataFrame:
        raise ConnectionError("Failed to resolve 'query2.finance.yahoo.com'")

    with pytest.raises(DataError, match="Yahoo Finance request for SPY failed"):
        YahooSource(broken).history(["SPY"], dt.date(2025, 1, 2), dt.date(2025, 1, 3))


@pytest.mark.network
def test_real_yahoo_history() -> None:
    h = YahooSource().history(["SPY"], dt.date(2024, 7, 1), dt.date(2024, 7, 31))
    assert h.dates.astype(str).tolist()[:3] == ["2024-07-01", "2024-07-02", "2024-07-03"]
    assert "2024-07-04" not in h.dates.astype(str).tolist()
    assert np.all(h.closes("SPY") > 300)
