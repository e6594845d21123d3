"""Prices from the user's own files: a directory of CSV or Parquet (SPEC §8.2).

Layouts (both may be mixed in one directory):
- one file per ticker, named after it: `SPY.csv`, `spy.parquet`, …
- long tables with a `ticker` (or `symbol`) column: any other `.csv` / `.parquet` file.

Columns (case and spaces ignored): `date` and `close` are required; `open`, `high`, `low`,
`volume` are optional. When an `adj_close` / `adj close` / `adjusted_close` column is present it
is used as the close, because strategies need split- and dividend-adjusted prices. Dates must be
strictly increasing per ticker; an error names the file and the line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.infrastructure.marketdata.symbols import normalise_ticker, normalise_tickers

FloatArray = npt.NDArray[np.float64]
EXTENSIONS = (".csv", ".parquet")
OPTIONAL = ("open", "high", "low", "volume")
_ADJUSTED = ("adj_close", "adjclose", "adjusted_close", "adj_close_price")
_TICKER_COLUMNS = ("ticker", "symbol")


@dataclass(frozen=True)
class _Series:
    dates: npt.NDArray[np.datetime64]
    columns: dict[str, FloatArray]
    path: Path


class FilesSource:
    """`MarketDataSource` over a directory of files; read lazily, kept in memory per instance."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.expanduser()
        self._per_ticker: dict[str, Path] | None = None
        self._tables: dict[str, _Series] | None = None
        self._loaded: dict[str, _Series] = {}

    @property
    def name(self) -> str:
        return f"files:{self.directory}"

    @property
    def synthetic(self) -> bool:
        return False

    def history(
        self, tickers: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> PriceHistory:
        names = normalise_tickers(tickers)
        series = {t: self._series(t) for t in names}
        lo = np.datetime64(start, "D") if start else None
        hi = np.datetime64(end, "D") if end else None
        windows = {}
        for t, s in series.items():
            mask = np.ones(len(s.dates), dtype=bool)
            if lo is not None:
                mask &= s.dates >= lo
            if hi is not None:
                mask &= s.dates <= hi
            windows[t] = mask
        dates = np.unique(np.concatenate([s.dates[windows[t]] for t, s in series.items()]))
        fields = ["close", *[f for f in OPTIONAL if any(f in s.columns for s in series.values())]]
        arrays = {f: np.full((len(dates), len(names)), np.nan) for f in fields}
        for j, (t, s) in enumerate(series.items()):
            rows = np.searchsorted(dates, s.dates[windows[t]])
            for f in fields:
                if f in s.columns:
                    arrays[f][rows, j] = s.columns[f][windows[t]]
        return PriceHistory(
            dates=dates,
            tickers=tuple(names),
            close=arrays["close"],
            open=arrays.get("open"),
            high=arrays.get("high"),
            low=arrays.get("low"),
            volume=arrays.get("volume"),
            source=self.name,
        )

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        """The last close in the files: files have no intraday price."""
        return {t: float(self._series(t).columns["close"][-1]) for t in normalise_tickers(tickers)}

    def cache_token(self, ticker: str) -> str:
        """Changes whenever the file holding `ticker` changes, so the cache refetches it."""
        path = self._path_of(ticker)
        stat = path.stat()
        return f"{path.name}:{stat.st_mtime_ns}:{stat.st_size}"

    # -- loading --------------------------------------------------------------------------------
    def _series(self, ticker: str) -> _Series:
        if ticker not in self._loaded:
            per_ticker = self._index()
            if ticker in per_ticker:
                self._loaded[ticker] = _read_single(per_ticker[ticker])
            else:
                table = self._long_tables().get(ticker)
                if table is None:
                    raise DataError(
                        f"no file for {ticker} in {self.directory} (looked for {ticker}.csv, "
                        f"{ticker}.parquet and a ticker column in the other files)",
                        context={"ticker": ticker, "directory": str(self.directory)},
                        suggested_action="Add the file, or fix the ticker symbol.",
                    )
                self._loaded[ticker] = table
        return self._loaded[ticker]

    def _path_of(self, ticker: str) -> Path:
        ticker = normalise_ticker(ticker)
        per_ticker = self._index()
        if ticker in per_ticker:
            return per_ticker[ticker]
        return self._series(ticker).path

    def _index(self) -> dict[str, Path]:
        if self._per_ticker is None:
            if not self.directory.is_dir():
                raise DataError(
                    f"market data directory {self.directory} does not exist",
                    context={"directory": str(self.directory)},
                    suggested_action="Set market_data.files_dir or --source files:PATH to a "
                    "directory of CSV/Parquet files.",
                )
            self._per_ticker = {}
            for path in sorted(self.directory.iterdir()):
                if path.suffix.lower() in EXTENSIONS and not _is_long_table(path):
                    self._per_ticker[path.stem.upper()] = path
        return self._per_ticker

    def _long_tables(self) -> dict[str, _Series]:
        if self._tables is None:
            self._tables = {}
            for path in sorted(self.directory.iterdir()):
                if path.suffix.lower() in EXTENSIONS and _is_long_table(path):
                    self._tables.update(_read_long(path))
        return self._tables


def _is_long_table(path: Path) -> bool:
    return any(c in _TICKER_COLUMNS for c in _normalised_columns(_read_head(path)))


def _read_head(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        return _read_csv(path, nrows=0)
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception as exc:
        raise DataError(
            f"{path}: not a readable Parquet file ({exc})", context={"file": str(path)}
        ) from None
    return pd.DataFrame(columns=names)


def _read_frame(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise DataError(
            f"{path}: not a readable Parquet file ({exc})", context={"file": str(path)}
        ) from None


def _read_csv(path: Path, nrows: int | None = None) -> pd.DataFrame:
    try:
        return pd.read_csv(path, nrows=nrows, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}: not a readable CSV file ({exc})", context={"file": str(path)}
        ) from None


def _normalised_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c).strip().lower().replace(" ", "_").replace("-", "_") for c in frame.columns]


def _prepare(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.columns = pd.Index(_normalised_columns(frame))
    adjusted = next((c for c in _ADJUSTED if c in frame.columns), None)
    if adjusted is not None:
        frame = frame.drop(columns=[c for c in ("close",) if c in frame.columns])
        frame = frame.rename(columns={adjusted: "close"})
    missing = [c for c in ("date", "close") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(found: {', '.join(frame.columns) or 'none'})",
            context={"file": str(path), "missing": missing},
            suggested_action="Name the columns `date` and `close` (optional: open, high, low, "
            "volume, adj_close, ticker).",
        )
    frame["_line"] = np.arange(len(frame)) + 2  # header is line 1 in a CSV
    dates = pd.to_datetime(frame["date"], errors="coerce", utc=False)
    bad = dates.isna()
    if bad.any():
        line = int(frame["_line"][bad].iloc[0])
        raise DataError(
            f"{path}:{line}: cannot read date {frame['date'][bad].iloc[0]!r}",
            context={"file": str(path), "line": line},
            suggested_action="Write dates as YYYY-MM-DD.",
        )
    frame["date"] = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    for column in ("close", *OPTIONAL):
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = values.isna() & frame[column].notna()
            if bad.any():
                line = int(frame["_line"][bad].iloc[0])
                raise DataError(
                    f"{path}:{line}: {column} is not a number ({frame[column][bad].iloc[0]!r})",
                    context={"file": str(path), "line": line, "column": column},
                )
            frame[column] = values.astype(np.float64)
    return frame


def _to_series(path: Path, frame: pd.DataFrame, label: str) -> _Series:
    days = frame["date"].to_numpy().astype("datetime64[D]")
    lines = frame["_line"].to_numpy()
    steps = np.diff(days)
    if len(days) > 1 and bool(np.any(steps <= np.timedelta64(0, "D"))):
        k = int(np.flatnonzero(steps <= np.timedelta64(0, "D"))[0]) + 1
        what = "duplicate" if steps[k - 1] == np.timedelta64(0, "D") else "out-of-order"
        raise DataError(
            f"{path}:{lines[k]}: {what} date {days[k]} for {label} "
            f"(after {days[k - 1]} on line {lines[k - 1]}); dates must be strictly increasing",
            context={"file": str(path), "line": int(lines[k]), "ticker": label},
            suggested_action="Sort the file by date and remove repeated rows.",
        )
    columns = {
        c: frame[c].to_numpy(dtype=np.float64) for c in ("close", *OPTIONAL) if c in frame.columns
    }
    return _Series(dates=days, columns=columns, path=path)


def _read_single(path: Path) -> _Series:
    frame = _prepare(path, _read_frame(path))
    if len(frame) == 0:
        raise DataError(f"{path}: no rows", context={"file": str(path)})
    return _to_series(path, frame, path.stem.upper())


def _read_long(path: Path) -> dict[str, _Series]:
    frame = _prepare(path, _read_frame(path))
    key = next(c for c in _TICKER_COLUMNS if c in frame.columns)
    frame[key] = frame[key].astype(str).str.strip().str.upper()
    return {
        str(ticker): _to_series(path, group, str(ticker))
        for ticker, group in frame.groupby(key, sort=False)
    }
