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
