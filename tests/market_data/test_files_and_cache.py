"""User files, the Parquet cache and incremental refresh."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.infrastructure.calendar import nyse_calendar
from alchemiser.infrastructure.marketdata import parquet_cache
from alchemiser.infrastructure.marketdata.cached_source import CachedSource
from alchemiser.infrastructure.marketdata.files_source import FilesSource
from alchemiser.infrastructure.marketdata.parquet_cache import ParquetCache
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket


def after_close(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(22, 0), tzinfo=dt.UTC)


class RecordingSource:
    """A network-like source over the synthetic market that remembers every request."""

    def __init__(self) -> None:
        self.market = SyntheticMarket(3, today=dt.date(2025, 6, 30))
        self.requests: list[tuple[tuple[str, ...], dt.date | None, dt.date | None]] = []

    name = "recording"
    synthetic = False

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        self.requests.append((tuple(tickers), start, end))
        h = self.market.history(tickers, start, end)
        return PriceHistory(h.dates, h.tickers, h.close, source="recording")

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        return self.market.latest_prices(tickers)


def cached(inner: object, tmp_path: Path, today: dt.date) -> CachedSource:
    return CachedSource(
        inner,  # type: ignore[arg-type]
        ParquetCache(tmp_path / "cache"),
        nyse_calendar(),
        default_start=dt.date(2024, 1, 1),
        now=lambda: after_close(today),
    )


def test_cache_round_trip_and_incremental_refresh(tmp_path: Path) -> None:
    inner = RecordingSource()
    source = cached(inner, tmp_path, dt.date(2025, 1, 8))
    first = source.history(["SPY", "TLT"], dt.date(2024, 12, 2), None)
    assert inner.requests == [(("SPY", "TLT"), dt.date(2024, 12, 2), dt.date(2025, 1, 8))]
    expected = inner.market.history(["SPY", "TLT"], dt.date(2024, 12, 2), dt.date(2025, 1, 8))
    np.testing.assert_array_equal(first.close, expected.close)
    np.testing.assert_array_equal(first.dates, expected.dates)
    assert first.source == "recording"
    assert not first.synthetic

    # same day, same range: answered from the cache, no request
    again = cached(inner, tmp_path, dt.date(2025, 1, 8)).history(
        ["SPY", "TLT"], dt.date(2024, 12, 2)
    )
    assert len(inner.requests) == 1
    np.testing.assert_array_equal(again.close, first.close)

    # three sessions later (Jan 9 closed): only Jan 9 … Jan 13 is asked for
    later = cached(inner, tmp_path, dt.date(2025, 1, 13))
    h = later.history(["SPY", "TLT"], dt.date(2024, 12, 2))
    assert inner.requests[1:] == [(("SPY", "TLT"), dt.date(2025, 1, 9), dt.date(2025, 1, 13))]
    assert h.dates[-3:].astype(str).tolist() == ["2025-01-08", "2025-01-10", "2025-01-13"]

    # an earlier start fetches only the older part; a new ticker fetches its whole range
    h = later.history(["SPY", "QQQ"], dt.date(2024, 11, 1))
    assert inner.requests[2:] == [
        (("SPY",), dt.date(2024, 11, 1), dt.date(2024, 12, 1)),
        (("QQQ",), dt.date(2024, 11, 1), dt.date(2025, 1, 13)),
    ]
    full = inner.market.history(["SPY", "QQQ"], dt.date(2024, 11, 1), dt.date(2025, 1, 13))
    np.testing.assert_array_equal(h.close, full.close)


def test_before_the_close_only_completed_sessions_are_cached(tmp_path: Path) -> None:
    inner = RecordingSource()
    source = CachedSource(
        inner,  # type: ignore[arg-type]
        ParquetCache(tmp_path / "cache"),
        nyse_calendar(),
        default_start=dt.date(2025, 1, 2),
        now=lambda: dt.datetime(2025, 1, 10, 20, 45, tzinfo=dt.UTC),  # 15:45 New York
    )
    assert source.last_complete_session() == dt.date(2025, 1, 8)
    h = source.history(["SPY"])
    assert h.last_date == dt.date(2025, 1, 8)
    assert source.latest_prices(["SPY"]) == inner.market.latest_prices(["SPY"])


def test_refresh_reports_what_was_fetched(tmp_path: Path) -> None:
    inner = RecordingSource()
    reports = cached(inner, tmp_path, dt.date(2025, 1, 10)).refresh(["spy"], dt.date(2025, 1, 2))
    assert len(reports) == 1
    report = reports[0]
    assert report.ticker == "SPY"
    assert report.fetched_ranges == ((dt.date(2025, 1, 2), dt.date(2025, 1, 10)),)
    assert report.new_rows == report.rows == 6  # Jan 2, 3, 6, 7, 8, 10
    assert (report.first, report.last) == (dt.date(2025, 1, 2), dt.date(2025, 1, 10))
    again = cached(inner, tmp_path, dt.date(2025, 1, 10)).refresh(["SPY"], dt.date(2025, 1, 2))
    assert again[0].fetched_ranges == ()
    assert again[0].new_rows == 0


def test_corrupt_cache_file_is_moved_aside_and_refetched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inner = RecordingSource()
    cached(inner, tmp_path, dt.date(2025, 1, 10)).history(["SPY"], dt.date(2025, 1, 2))
    path = tmp_path / "cache" / "SPY.parquet"
    path.write_bytes(path.read_bytes()[:100])  # truncated, as after a disk problem
    source = cached(inner, tmp_path, dt.date(2025, 1, 10))
    with caplog.at_level(logging.WARNING):
        h = source.history(["SPY"], dt.date(2025, 1, 2))
    assert len(inner.requests) == 2  # fetched again in full
    assert inner.requests[-1] == (("SPY",), dt.date(2025, 1, 2), dt.date(2025, 1, 10))
    assert len(h) == 6
    assert source.cache.corrupt_found == [tmp_path / "cache" / "SPY.parquet.corrupt"]
    assert "unreadable" in caplog.text
    assert ParquetCache(tmp_path / "cache").read("SPY") is not None  # a good file again


def test_a_crash_mid_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = RecordingSource()
    cached(inner, tmp_path, dt.date(2025, 1, 8)).history(["SPY"], dt.date(2025, 1, 2))
    before = (tmp_path / "cache" / "SPY.parquet").read_bytes()

    def crash(table: object, where: object, **kwargs: object) -> None:
        assert hasattr(where, "write")
        where.write(b"PAR1 half a file")  # type: ignore[union-attr]
        raise OSError("disk full")

    monkeypatch.setattr(parquet_cache.pq, "write_table", crash)
    with pytest.raises(OSError, match="disk full"):
        cached(inner, tmp_path, dt.date(2025, 1, 13)).history(["SPY"], dt.date(2025, 1, 2))
    assert (tmp_path / "cache" / "SPY.parquet").read_bytes() == before
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["SPY.parquet"]


def test_cache_entries_describe_files(tmp_path: Path) -> None:
    inner = RecordingSource()
    cached(inner, tmp_path, dt.date(2025, 1, 10)).history(["SPY", "BIL"], dt.date(2025, 1, 2))
    (tmp_path / "cache" / "BAD.parquet").write_bytes(b"nonsense")
    entries = {e.ticker: e for e in ParquetCache(tmp_path / "cache").entries("recording")}
    assert entries["SPY"].rows == 6
    assert entries["SPY"].last == dt.date(2025, 1, 10)
    assert entries["SPY"].covered_through == dt.date(2025, 1, 10)
    assert entries["SPY"].size_bytes > 0
    assert entries["BAD"].error is not None


def test_unknown_ticker_and_empty_range(tmp_path: Path) -> None:
    source = cached(FilesSource(tmp_path / "files"), tmp_path, dt.date(2025, 1, 10))
    (tmp_path / "files").mkdir()
    pd.DataFrame({"date": ["2025-01-02"], "close": [1.0]}).to_csv(tmp_path / "files" / "A.csv")
    with pytest.raises(DataError, match="no file for NOPE"):
        source.history(["NOPE"], dt.date(2025, 1, 2))
    with pytest.raises(DataError, match="empty date range"):
        source.history(["A"], dt.date(2025, 2, 1), dt.date(2025, 1, 5))
    assert not (tmp_path / "cache" / "NOPE.parquet").exists()


# -- files source -------------------------------------------------------------------------------


def write_csv(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_files_per_ticker_csv_and_parquet_round_trip_through_the_cache(tmp_path: Path) -> None:
    files = tmp_path / "files"
    write_csv(
        files / "spy.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2025-01-02,1,2,0.5,100,99.5,1000\n2025-01-03,1,2,0.5,101,100.5,1100\n"
        "2025-01-06,1,2,0.5,102,101.5,1200\n",
    )
    pd.DataFrame(
        {"date": pd.to_datetime(["2025-01-03", "2025-01-06"]), "close": [50.0, 51.0]}
    ).to_parquet(files / "TLT.parquet")
    source = cached(FilesSource(files), tmp_path, dt.date(2025, 1, 6))
    h = source.history(["SPY", "TLT"], dt.date(2025, 1, 2))
    assert h.dates.astype(str).tolist() == ["2025-01-02", "2025-01-03", "2025-01-06"]
    np.testing.assert_array_equal(h.closes("SPY"), [99.5, 100.5, 101.5])  # adjusted close
    np.testing.assert_array_equal(h.closes("TLT"), [np.nan, 50.0, 51.0])
    assert h.volume is not None
    assert h.volume[:, 0].tolist() == [1000, 1100, 1200]
    assert (tmp_path / "cache" / "SPY.parquet").exists()
    # the user edits the file: the cache notices and reads it again
    write_csv(files / "spy.csv", "date,close\n2025-01-02,7\n2025-01-03,8\n2025-01-06,9\n")
    h2 = cached(FilesSource(files), tmp_path, dt.date(2025, 1, 6)).history(
        ["SPY"], dt.date(2025, 1, 2)
    )
    np.testing.assert_array_equal(h2.closes("SPY"), [7.0, 8.0, 9.0])


def test_files_long_table(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "export.csv",
        "symbol,date,close\nspy,2025-01-02,1\nQQQ,2025-01-02,2\nSPY,2025-01-03,3\nQQQ,2025-01-03,4\n",
    )
    h = FilesSource(tmp_path).history(["SPY", "QQQ"])
    np.testing.assert_array_equal(h.close, [[1.0, 2.0], [3.0, 4.0]])
    assert FilesSource(tmp_path).latest_prices(["qqq"]) == {"QQQ": 4.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "day,price\n2025-01-02,1\n",
            r"SPY.csv: missing columns date, close \(found: day, price\)",
        ),
        ("date,open\n2025-01-02,1\n", r"SPY.csv: missing column close \(found: date, open\)"),
        ("date,close\n2025-01-03,1\n2025-01-02,2\n", r"SPY.csv:3: out-of-order date 2025-01-02"),
        (
            "date,close\n2025-01-02,1\n2025-01-03,2\n2025-01-03,2\n",
            r"SPY.csv:4: duplicate date 2025-01-03 for SPY \(after 2025-01-03 on line 3\)",
        ),
        ("date,close\n2025-01-02,1\nyesterday,2\n", r"SPY.csv:3: cannot read date 'yesterday'"),
        ("date,close\n2025-01-02,1\n2025-01-03,abc\n", r"SPY.csv:3: close is not a number"),
    ],
)
def test_files_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    write_csv(tmp_path / "SPY.csv", text)
    with pytest.raises(DataError, match=message):
        FilesSource(tmp_path).history(["SPY"])


def test_files_long_table_unsorted_names_ticker_and_line(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "all.csv",
        "ticker,date,close\nSPY,2025-01-03,1\nQQQ,2025-01-02,2\nSPY,2025-01-02,3\n",
    )
    with pytest.raises(DataError, match=r"all.csv:4: out-of-order date 2025-01-02 for SPY"):
        FilesSource(tmp_path).history(["SPY"])


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        FilesSource(tmp_path / "nowhere").history(["SPY"])


class EagerSource(RecordingSource):
    """Answers past the end it was asked for, like a source that adds today's partial bar."""

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        return super().history(tickers, start, None)


def test_bars_after_the_last_completed_session_are_never_cached(tmp_path: Path) -> None:
    inner = EagerSource()
    h = cached(inner, tmp_path, dt.date(2025, 1, 8)).history(["SPY"], dt.date(2025, 1, 2))
    assert h.last_date == dt.date(2025, 1, 8)
    bars = ParquetCache(tmp_path / "cache").read("SPY")
    assert bars is not None
    assert str(bars.dates[-1]) == "2025-01-08"
    assert bars.covered_through == dt.date(2025, 1, 8)


def test_readers_never_see_a_half_written_file(tmp_path: Path) -> None:
    """Two writers replace the same file over and over while a reader reads it."""
    import threading

    from alchemiser.infrastructure.marketdata.parquet_cache import CachedBars

    cache = ParquetCache(tmp_path)
    dates = np.arange("2020-01-01", "2024-01-01", dtype="datetime64[D]")

    def bars(value: float) -> CachedBars:
        closes = np.full(len(dates), value)
        return CachedBars(
            "SPY", dates, {"close": closes}, dt.date(2020, 1, 1), dt.date(2023, 12, 31)
        )

    cache.write(bars(1.0))
    stop = threading.Event()

    def writer(value: float) -> None:
        while not stop.is_set():
            ParquetCache(tmp_path).write(bars(value))

    threads = [threading.Thread(target=writer, args=(v,)) for v in (2.0, 3.0)]
    for t in threads:
        t.start()
    seen = set()
    try:
        for _ in range(150):
            read = cache.read("SPY")
            assert read is not None  # never unreadable
            assert len(set(read.close.tolist())) == 1  # never a mix of two writes
            seen.add(float(read.close[0]))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert cache.corrupt_found == []
    assert seen <= {1.0, 2.0, 3.0}
    assert [p.name for p in tmp_path.iterdir()] == ["SPY.parquet"]  # no temp files left


def test_the_cache_answers_the_same_whatever_was_asked_before(tmp_path: Path) -> None:
    """SPEC §16: bars a files source holds on non-session days (here Labor Day 2024-09-02 and a
    Saturday) are never served, so the answer is a function of the source alone."""
    files = tmp_path / "files"
    days = ["2024-08-29", "2024-08-30", "2024-08-31", "2024-09-02", "2024-09-03", "2024-09-04"]
    write_csv(
        files / "aaa.csv", "date,close\n" + "".join(f"{d},{i + 10}\n" for i, d in enumerate(days))
    )
    write_csv(
        files / "bbb.csv",
        "date,close\n"
        + "".join(f"{d},{i + 50}\n" for i, d in enumerate(days) if d != "2024-09-02"),
    )
    queries = [
        (["AAA", "BBB"], dt.date(2024, 8, 29), dt.date(2024, 9, 2)),
        (["AAA"], dt.date(2024, 8, 29), dt.date(2024, 8, 30)),
        (["AAA"], dt.date(2024, 9, 2), dt.date(2024, 9, 2)),
        (["BBB", "AAA"], dt.date(2024, 8, 29), dt.date(2024, 9, 4)),
    ]
    answers: list[dict[int, tuple[list[str], list[float]]]] = []
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        cache_dir = tmp_path / f"run{len(answers)}"
        got = {}
        for q in order:
            tickers, start, end = queries[q]
            source = cached(FilesSource(files), cache_dir, dt.date(2024, 9, 4))
            try:
                h = source.history(tickers, start, end)
            except DataError:
                got[q] = (["error"], [])
                continue
            dates = h.dates.astype(str).tolist()
            assert "2024-09-02" not in dates and "2024-08-31" not in dates
            got[q] = (dates, [float(x) for x in h.close.ravel()])
        answers.append(got)
    assert answers[0] == answers[1] == answers[2]
