"""Local price cache: one Parquet file per ticker, written atomically.

A write goes to a temporary file in the same directory, is flushed to disk and then renamed over
the old file (`os.replace` is atomic on POSIX and Windows), so a reader sees the old file or the
new one, never half of one, and a crash mid-write leaves at most a stray temp file. A file that
cannot be read is moved aside as `*.corrupt` and reported, and the caller fetches it again.

Each file records which date range was *asked for and answered* (`covered_from`/`covered_through`)
so a refresh fetches only sessions after that, even when a ticker had no bar on some of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import to_date
from alchemiser.infrastructure.marketdata.cache_entry import CacheEntry

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
FIELDS = ("close", "open", "high", "low", "volume")
SUFFIX = ".parquet"
_SAFE = re.compile(r"[^A-Za-z0-9.\-]")


@dataclass(frozen=True)
class CachedBars:
    """One ticker's cached daily bars (dates ascending) and the range they answer for."""

    ticker: str
    dates: npt.NDArray[np.datetime64]
    columns: dict[str, FloatArray]
    covered_from: dt.date
    covered_through: dt.date
    token: str = ""
    """The source's version of the data (e.g. a file's mtime); a change means refetch."""

    @property
    def close(self) -> FloatArray:
        return self.columns["close"]


class ParquetCache:
    """The cache directory of one source (e.g. `<cache>/alpaca-iex/SPY.parquet`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.corrupt_found: list[Path] = []

    def path_of(self, ticker: str) -> Path:
        return self.directory / f"{_SAFE.sub('_', ticker)}{SUFFIX}"

    def read(self, ticker: str) -> CachedBars | None:
        """The cached bars, or None when absent or unreadable (then moved aside and logged)."""
        path = self.path_of(ticker)
        if not path.exists():
            return None
        try:
            return _decode(ticker, pq.read_table(path))
        except (OSError, pa.ArrowException, KeyError, ValueError) as exc:
            aside = path.with_name(path.name + ".corrupt")
            os.replace(path, aside)
            self.corrupt_found.append(aside)
            log.warning(
                "cache file %s for %s is unreadable (%s); moved to %s and fetching again",
                path, ticker, exc, aside.name,
            )  # fmt: skip
            return None

    def write(self, bars: CachedBars) -> Path:
        """Replace the ticker's file atomically."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_of(bars.ticker)
        table = _encode(bars)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.directory)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                pq.write_table(table, handle, compression="zstd")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path

    def entries(self, source: str) -> list[CacheEntry]:
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.iterdir()):
            if not path.name.endswith((SUFFIX, ".corrupt")) or path.name.startswith("."):
                continue
            stat = path.stat()
            modified = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
            ticker = path.name.split(".parquet")[0]
            try:
                if path.name.endswith(".corrupt"):
                    raise DataError("moved aside as corrupt")
                meta = pq.read_metadata(path)
                kv = {k.decode(): v.decode() for k, v in (meta.metadata or {}).items()}
                ticker = kv.get("alchemiser.ticker", ticker)
                dates = pq.read_table(path, columns=["date"]).column("date").to_numpy()
                first = to_date(dates[0]) if len(dates) else None
                last = to_date(dates[-1]) if len(dates) else None
                through = dt.date.fromisoformat(kv["alchemiser.covered_through"])
                found.append(
                    CacheEntry(source, ticker, path, meta.num_rows, first, last, through,
                               stat.st_size, modified)
                )  # fmt: skip
            except (OSError, pa.ArrowException, KeyError, ValueError, DataError) as exc:
                found.append(
                    CacheEntry(source, ticker, path, 0, None, None, None, stat.st_size,
                               modified, error=str(exc))
                )  # fmt: skip
        return found


def _encode(bars: CachedBars) -> pa.Table:
    arrays: dict[str, pa.Array] = {"date": pa.array(bars.dates.astype("datetime64[D]"))}
    for name in FIELDS:
        if name in bars.columns:
            arrays[name] = pa.array(np.asarray(bars.columns[name], dtype=np.float64))
    metadata = {
        "alchemiser.ticker": bars.ticker,
        "alchemiser.covered_from": bars.covered_from.isoformat(),
        "alchemiser.covered_through": bars.covered_through.isoformat(),
        "alchemiser.token": bars.token,
    }
    return pa.table(arrays).replace_schema_metadata(metadata)


def _decode(ticker: str, table: pa.Table) -> CachedBars:
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    if meta.get("alchemiser.ticker") != ticker:
        raise ValueError(f"file holds {meta.get('alchemiser.ticker')!r}, not {ticker!r}")
    dates = table.column("date").to_numpy().astype("datetime64[D]")
    if len(dates) > 1 and not bool(np.all(dates[1:] > dates[:-1])):
        raise ValueError("dates are not strictly increasing")
    columns = {
        name: table.column(name).to_numpy().astype(np.float64)
        for name in FIELDS
        if name in table.column_names
    }
    if "close" not in columns:
        raise ValueError("no close column")
    return CachedBars(
        ticker=ticker,
        dates=dates,
        columns=columns,
        covered_from=dt.date.fromisoformat(meta["alchemiser.covered_from"]),
        covered_through=dt.date.fromisoformat(meta["alchemiser.covered_through"]),
        token=meta.get("alchemiser.token", ""),
    )
