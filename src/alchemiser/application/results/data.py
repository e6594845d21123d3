"""`alchemiser data status`: what the local price cache holds and how fresh it is."""

from __future__ import annotations

import datetime as dt

from alchemiser.application.results.common import Record, Result, Timestamp


class CacheEntryView(Record):
    source: str
    ticker: str
    rows: int
    first: dt.date | None
    last: dt.date | None
    sessions_behind: int | None
    size_bytes: int
    modified: Timestamp
    path: str
    error: str | None


class DataStatusResult(Result):
    cache_dir: str
    last_completed_session: dt.date
    total_bytes: int
    entries: list[CacheEntryView]


class FetchedTicker(Record):
    ticker: str
    fetched: list[tuple[dt.date, dt.date]]
    """Date ranges requested from the source this time (empty: already up to date)."""
    new_rows: int
    rows: int
    first: dt.date | None
    last: dt.date | None


class DataFetchResult(Result):
    source: str
    synthetic: bool
    tickers: list[FetchedTicker]


class Bar(Record):
    """One daily bar; prices are research floats, None when the source has no such field."""

    date: dt.date
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: float | None


class BarsResult(Result):
    ticker: str
    source: str
    synthetic: bool
    bars: list[Bar]
    """Oldest first."""
    warnings: list[str]
