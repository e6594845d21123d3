"""One cached file as `alchemiser data status` reports it (no pyarrow import needed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CacheEntry:
    """What `alchemiser data status` shows for one cached file."""

    source: str
    ticker: str
    path: Path
    rows: int
    first: dt.date | None
    last: dt.date | None
    covered_through: dt.date | None
    size_bytes: int
    modified: dt.datetime
    error: str | None = None
