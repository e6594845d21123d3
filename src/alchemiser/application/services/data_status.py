"""The `data status` use case: what the local price cache holds and how many sessions behind
each file is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.results.data import CacheEntryView, DataStatusResult


class CachedFile(Protocol):
    """One cached price file, as the cache describes it."""

    @property
    def source(self) -> str: ...
    @property
    def ticker(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def rows(self) -> int: ...
    @property
    def first(self) -> dt.date | None: ...
    @property
    def last(self) -> dt.date | None: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def modified(self) -> dt.datetime: ...
    @property
    def error(self) -> str | None: ...


def data_status(
    cache_dir: Path,
    entries: Sequence[CachedFile],
    calendar: TradingCalendar,
    now: dt.datetime,
) -> DataStatusResult:
    latest = calendar.last_completed_session(now)
    views = []
    for e in entries:
        behind = None
        if e.last is not None and e.last < latest:
            behind = len(calendar.sessions(e.last + dt.timedelta(days=1), latest))
        elif e.last is not None:
            behind = 0
        views.append(
            CacheEntryView(
                source=e.source,
                ticker=e.ticker,
                rows=e.rows,
                first=e.first,
                last=e.last,
                sessions_behind=behind,
                size_bytes=e.size_bytes,
                modified=e.modified,
                path=str(e.path),
                error=e.error,
            )
        )
    return DataStatusResult(
        cache_dir=str(cache_dir),
        last_completed_session=latest,
        total_bytes=sum(e.size_bytes for e in entries),
        entries=views,
    )
