"""Yahoo source: offline with a stub shaped like yfinance's `Ticker.history`; online with
`-m network`. The stub fetchers are as hard as the network: they block, fail per ticker and
run on the source's worker threads."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alchemiser.domain.errors import DataError, DataUnavailableError, ErrorCategory
from alchemiser.infrastructure.marketdata.network import NetworkLimits, Outage
from alchemiser.infrastructure.marketdata.yahoo_source import YahooSource


def ticker_frame(closes: list[float], days: list[str]) -> pd.DataFrame:
    """What `yfinance.Ticker(t).history(auto_adjust=True, actions=False)` returns: flat
    columns, a New York midnight index."""
    index = pd.DatetimeIndex(pd.to_datetime(days)).tz_localize("America/New_York")
    return pd.DataFrame(
        {
            "Open": closes,
            "High": [c * 1.01 for c in closes],
            "Low": [c * 0.99 for c in closes],
            "Close": closes,
            "Volume": [c * 1000 for c in closes],
        },
        index=index.rename("Date"),
    )


class StubFetch:
    def __init__(self, frames: dict[str, pd.DataFrame | Exception | None]) -> None:
        self.frames = frames
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def __call__(self, ticker: str, **kwargs: Any) -> pd.DataFrame | None:
        with self._lock:
            self.calls.append((ticker, kwargs))
        answer = self.frames[ticker]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_history_asks_each_ticker_for_adjusted_prices_with_an_exclusive_end() -> None:
    stub = StubFetch(
        {
            "SPY": ticker_frame([590.0, 595.5, 600.25], ["2025-01-02", "2025-01-03", "2025-01-06"]),
            "TLT": ticker_frame([87.0, 88.0], ["2025-01-02", "2025-01-06"]),
        }
    )
    limits = NetworkLimits(request_timeout=7.0, deadline=30.0, workers=2)
    h = YahooSource(stub, limits=limits).history(
        ["spy", "TLT"], dt.date(2025, 1, 2), dt.date(2025, 1, 6)
    )
    asked = dict(stub.calls)
    assert sorted(asked) == ["SPY", "TLT"]
    assert asked["SPY"]["start"] == "2025-01-02"
    assert asked["SPY"]["end"] == "2025-01-07"  # yfinance's end is exclusive
    assert asked["SPY"]["timeout"] == 7.0
    assert h.tickers == ("SPY", "TLT")
    assert h.dates.astype(str).tolist() == ["2025-01-02", "2025-01-03", "2025-01-06"]
    np.testing.assert_array_equal(h.closes("SPY"), [590.0, 595.5, 600.25])
    np.testing.assert_array_equal(h.closes("TLT"), [87.0, np.nan, 88.0])
    assert h.volume is not None
    assert h.volume[0, 0] == 590_000.0
    assert h.source == "yahoo"
    assert not h.synthetic


def test_a_repeated_date_keeps_its_last_row() -> None:
    frame = ticker_frame([10.0, 11.0, 12.0], ["2025-01-02", "2025-01-03", "2025-01-03"])
    h = YahooSource(StubFetch({"QQQ": frame})).history(["QQQ"], dt.date(2025, 1, 2), None)
    assert h.dates.astype(str).tolist() == ["2025-01-02", "2025-01-03"]
    np.testing.assert_array_equal(h.closes("QQQ"), [10.0, 12.0])


def test_latest_price_is_the_newest_bar_of_five_days() -> None:
    stub = StubFetch({"QQQ": ticker_frame([500.0, 505.0], ["2025-01-02", "2025-01-03"])})
    assert YahooSource(stub).latest_prices(["QQQ"]) == {"QQQ": 505.0}
    assert stub.calls[0][1]["period"] == "5d"


def test_nothing_returned_names_the_ticker() -> None:
    with pytest.raises(DataError, match="Yahoo Finance returned no prices for NOPE"):
        YahooSource(StubFetch({"NOPE": pd.DataFrame()})).history(["NOPE"], dt.date(2025, 1, 2))
    with pytest.raises(DataError, match="no prices for NOPE"):
        YahooSource(StubFetch({"NOPE": None})).latest_prices(["NOPE"])


def test_an_unknown_symbol_is_a_data_error_not_an_outage() -> None:
    from yfinance.exceptions import YFTzMissingError

    stub = StubFetch({"SPY": ticker_frame([1.0], ["2025-01-02"]), "XXXX": YFTzMissingError("XXXX")})
    with pytest.raises(DataError) as caught:
        YahooSource(stub, limits=NetworkLimits(workers=1)).history(["SPY", "XXXX"])
    assert not isinstance(caught.value, DataUnavailableError)
    assert "XXXX" in caught.value.message


def test_a_network_failure_is_data_unavailable_naming_source_and_ticker() -> None:
    from curl_cffi.requests.exceptions import DNSError

    stub = StubFetch({"SPY": DNSError("Could not resolve host: query2.finance.yahoo.com")})
    with pytest.raises(DataUnavailableError) as caught:
        YahooSource(stub).history(["SPY"], dt.date(2025, 1, 2), dt.date(2025, 1, 3))
    error = caught.value
    assert error.category is ErrorCategory.DATA
    assert "cannot reach Yahoo Finance for SPY" in error.message
    assert error.context["source"] == "yahoo"


def test_the_pool_never_runs_more_than_workers_fetches_at_once() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()
    frame = ticker_frame([1.0], ["2025-01-02"])

    def fetch(ticker: str, **_: Any) -> pd.DataFrame:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return frame

    names = [f"T{i:02d}" for i in range(24)]
    h = YahooSource(fetch, limits=NetworkLimits(workers=3)).history(names)
    assert h.tickers == tuple(names)
    assert peak == 3


@pytest.mark.timeout(30)
def test_a_dropping_network_ends_at_the_deadline_naming_the_missing_tickers() -> None:
    """58 tickers, the 17th onwards never answer (packets dropped): the fetch ends at the
    deadline, not after 42 request timeouts."""
    stuck = threading.Event()
    frame = ticker_frame([1.0], ["2025-01-02"])
    names = [f"T{i:02d}" for i in range(58)]

    def fetch(ticker: str, **_: Any) -> pd.DataFrame:
        if names.index(ticker) >= 16:
            stuck.wait()  # a request that never returns
        return frame

    progress: list[int] = []

    class Recorder:
        from contextlib import contextmanager

        @contextmanager
        def track(self, description: str, total: int) -> Any:
            assert total == 58
            yield progress.append

    source = YahooSource(
        fetch,
        limits=NetworkLimits(request_timeout=60, deadline=0.5, workers=4),
        progress=Recorder(),
    )
    started = time.monotonic()
    try:
        with pytest.raises(DataUnavailableError) as caught:
            source.history(names)
    finally:
        stuck.set()
    elapsed = time.monotonic() - started
    assert elapsed < 5  # the deadline is 0.5 s; without it this never returns
    assert "did not answer within the 0.5 s deadline" in caught.value.message
    assert caught.value.context["tickers"] == names[16:]
    assert progress == sorted(progress)
    assert 0 < progress[-1] <= 16


def test_an_unreachable_source_is_not_asked_again_at_once() -> None:
    from curl_cffi.requests.exceptions import ConnectTimeout

    now = [0.0]
    stub = StubFetch({"SPY": ConnectTimeout("timed out")})
    source = YahooSource(stub, outage=Outage(hold=20.0, clock=lambda: now[0]))
    with pytest.raises(DataUnavailableError, match="no answer within"):
        source.history(["SPY"])
    assert len(stub.calls) == 1
    now[0] = 5.0
    with pytest.raises(DataUnavailableError, match="not asked again for 15 s"):
        source.history(["SPY"])
    assert len(stub.calls) == 1  # failed at once, nothing sent
    now[0] = 21.0
    stub.frames["SPY"] = ticker_frame([1.0], ["2025-01-02"])
    assert source.history(["SPY"]).closes("SPY").tolist() == [1.0]
    assert len(stub.calls) == 2


@pytest.mark.network
def test_real_yahoo_history() -> None:
    h = YahooSource().history(["SPY"], dt.date(2024, 7, 1), dt.date(2024, 7, 31))
    assert h.dates.astype(str).tolist()[:3] == ["2024-07-01", "2024-07-02", "2024-07-03"]
    assert "2024-07-04" not in h.dates.astype(str).tolist()
    assert np.all(h.closes("SPY") > 300)


def test_the_outage_guard_remembers_only_an_unreachable_source() -> None:
    """`Outage.guard` (Yahoo and Alpaca data both call through it): a DataUnavailableError
    raised inside starts the hold; a ticker's own DataError does not."""
    from alchemiser.domain.errors import DataError

    now = [0.0]
    outage = Outage(hold=20.0, clock=lambda: now[0])
    with pytest.raises(DataError), outage.guard(["XYZ"]):
        raise DataError("XYZ: unknown symbol")
    with outage.guard(["SPY"]):  # not held: a ticker's error is no outage
        pass
    with pytest.raises(DataUnavailableError, match="timed out"), outage.guard(["SPY"]):
        raise DataUnavailableError("timed out")
    now[0] = 19.0
    with (
        pytest.raises(DataUnavailableError, match="not asked again for 1 s"),
        outage.guard(["SPY"]),
    ):
        pytest.fail("the guarded call must not run during the hold")
    now[0] = 20.0
    with outage.guard(["SPY"]):  # the hold is over: asked again
        pass
