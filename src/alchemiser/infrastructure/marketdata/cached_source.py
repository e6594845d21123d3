"""A `MarketDataSource` that answers from the local Parquet cache and fetches only what is new.

Only completed sessions are cached: before today's close the newest cached bar is yesterday's,
and today's price comes from `latest_prices` at decision time (SPEC §8.3). Tickers that need the
same missing range are fetched in one request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory, to_date
from alchemiser.infrastructure.marketdata.parquet_cache import FIELDS, CachedBars, ParquetCache
from alchemiser.infrastructure.marketdata.symbols import normalise_tickers

FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class FetchReport:
    """What one refresh did for one ticker (printed by `alchemiser data fetch`)."""

    ticker: str
    fetched_ranges: tuple[tuple[dt.date, dt.date], ...]
    new_rows: int
    rows: int
    first: dt.date | None
    last: dt.date | None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CachedSource:
    """Cache in front of a network or file source; same port, so callers cannot tell."""

    def __init__(
        self,
        inner: MarketDataSource,
        cache: ParquetCache,
        calendar: TradingCalendar,
        *,
        default_start: dt.date,
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.inner = inner
        self.cache = cache
        self.calendar = calendar
        self.default_start = default_start
        self._now = now

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def synthetic(self) -> bool:
        return self.inner.synthetic

    def last_complete_session(self) -> dt.date:
        """The newest session whose close has happened (today's only after the close)."""
        return self.calendar.last_completed_session(self._now())

    # -- port -----------------------------------------------------------------------------------
    def history(
        self, tickers: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> PriceHistory:
        names = normalise_tickers(tickers)
        first, last = self._bounds(start, end)
        bars, _ = self._ensure(names, first, last)
        sessions = self.calendar.sessions(first, last)
        return _assemble(names, bars, sessions, first, last, source=self.inner.name)

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        return self.inner.latest_prices(tickers)

    def refresh(self, tickers: Sequence[str], start: dt.date | None = None) -> list[FetchReport]:
        """Bring the cache up to the last completed session; report what was fetched."""
        names = normalise_tickers(tickers)
        first, last = self._bounds(start, None)
        _, reports = self._ensure(names, first, last)
        return [reports[t] for t in names]

    # -- internals ------------------------------------------------------------------------------
    def _bounds(self, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
        last = self.last_complete_session()
        if end is not None:
            last = min(last, end)
        first = start or self.default_start
        if first > last:
            raise DataError(
                f"empty date range {first} … {last} for {self.inner.name}",
                context={"start": str(first), "end": str(last), "source": self.inner.name},
                suggested_action="Pick a start date on or before the last completed session.",
            )
        return first, last

    def _ensure(
        self, names: Sequence[str], first: dt.date, last: dt.date
    ) -> tuple[dict[str, CachedBars], dict[str, FetchReport]]:
        cached: dict[str, CachedBars | None] = {}
        plans: dict[tuple[dt.date, dt.date], list[str]] = {}
        token_of = getattr(self.inner, "cache_token", None)
        tokens: dict[str, str] = {}
        for ticker in dict.fromkeys(names):
            bars = self.cache.read(ticker)
            tokens[ticker] = str(token_of(ticker)) if callable(token_of) else ""
            if bars is not None and bars.token != tokens[ticker]:
                bars = None  # the underlying file changed: fetch it all again
            cached[ticker] = bars
            for gap in self._gaps(bars, first, last):
                plans.setdefault(gap, []).append(ticker)

        fetched: dict[str, list[PriceHistory]] = {}
        ranges: dict[str, list[tuple[dt.date, dt.date]]] = {}
        for (a, b), group in plans.items():
            history = _sessions_only(self.inner.history(group, a, b), self.calendar, a, b)
            for ticker in group:
                fetched.setdefault(ticker, []).append(history)
                ranges.setdefault(ticker, []).append((a, b))

        result: dict[str, CachedBars] = {}
        reports: dict[str, FetchReport] = {}
        for ticker, old in cached.items():
            parts = fetched.get(ticker, [])
            new_rows = 0
            bars = old
            if parts:
                merged, new_rows = _merge(
                    ticker, old, parts, covered=(first, last), token=tokens[ticker]
                )
                if old is None and new_rows == 0:
                    raise DataError(
                        f"{self.inner.name} has no prices for {ticker} between {first} and {last}",
                        context={"ticker": ticker, "source": self.inner.name},
                        suggested_action="Check the ticker symbol and the date range.",
                    )
                self.cache.write(merged)
                bars = merged
            assert bars is not None  # every ticker without a cache entry was fetched
            result[ticker] = bars
            reports[ticker] = FetchReport(
                ticker=ticker,
                fetched_ranges=tuple(ranges.get(ticker, [])),
                new_rows=new_rows,
                rows=len(bars.dates),
                first=to_date(bars.dates[0]) if len(bars.dates) else None,
                last=to_date(bars.dates[-1]) if len(bars.dates) else None,
            )
        return result, reports

    def _gaps(
        self, bars: CachedBars | None, first: dt.date, last: dt.date
    ) -> list[tuple[dt.date, dt.date]]:
        if bars is None:
            return [(first, last)]
        gaps = []
        if first < bars.covered_from:
            gaps.append((first, bars.covered_from - ONE_DAY))
        if last > bars.covered_through:
            gaps.append((bars.covered_through + ONE_DAY, last))
        return [(a, b) for a, b in gaps if len(self.calendar.sessions(a, b))]


def _merge(
    ticker: str,
    old: CachedBars | None,
    parts: list[PriceHistory],
    *,
    covered: tuple[dt.date, dt.date],
    token: str,
) -> tuple[CachedBars, int]:
    """Old bars plus fetched ones (fetched win on the same date); coverage widened to the ask."""
    pieces: list[tuple[DateArray, dict[str, FloatArray]]] = []
    new_rows = 0
    first, last = covered
    for history in parts:
        j = history.column_index(ticker)
        # a source may add today's unfinished bar; only completed sessions are cached
        keep = ~np.isnan(history.close[:, j]) & (history.dates <= np.datetime64(last, "D"))
        columns = {
            name: getattr(history, name)[keep, j]
            for name in FIELDS
            if getattr(history, name) is not None
        }
        pieces.append((history.dates[keep], columns))
        new_rows += int(keep.sum())
    if old is not None:
        pieces.append((old.dates, old.columns))
    fields = [f for f in FIELDS if any(f in cols for _, cols in pieces)]
    all_dates = np.concatenate([d for d, _ in pieces]).astype("datetime64[D]")
    merged = {
        f: np.concatenate([cols.get(f, np.full(len(d), np.nan)) for d, cols in pieces])
        for f in fields
    }
    dates, index = np.unique(all_dates, return_index=True)  # first occurrence = newest fetch
    # coverage ends at the newest bar received, not at the end asked for: a source that answered
    # nothing (network hiccup, bar not published yet) is asked again next time
    newest = max((d[-1] for d, _ in pieces[: len(parts)] if len(d)), default=None)
    covered_from = min(first, old.covered_from) if old else first
    received = to_date(newest) if newest is not None else first - ONE_DAY
    covered_through = max(received, old.covered_through) if old else received
    bars = CachedBars(
        ticker=ticker,
        dates=dates,
        columns={f: merged[f][index] for f in fields},
        covered_from=covered_from,
        covered_through=covered_through,
        token=token,
    )
    return bars, new_rows


def _sessions_only(
    history: PriceHistory, calendar: TradingCalendar, first: dt.date, last: dt.date
) -> PriceHistory:
    """Drop bars a source holds on days that are no NYSE session (SPEC §16: the cache's content
    is a function of the source alone).

    A files source may carry a bar on a holiday or a weekend; the engine's axis is the NYSE
    calendar. Keeping such bars made the answer depend on which ranges happened to be fetched
    first, because a range holding no session is never fetched at all.
    """
    on_session = np.isin(history.dates.astype("datetime64[D]"), calendar.sessions(first, last))
    if bool(on_session.all()):
        return history
    return history.select_rows(on_session)


def _assemble(
    names: Sequence[str],
    bars: dict[str, CachedBars],
    sessions: DateArray,
    first: dt.date,
    last: dt.date,
    *,
    source: str,
) -> PriceHistory:
    lo, hi = np.datetime64(first, "D"), np.datetime64(last, "D")
    windows = {}
    for ticker in dict.fromkeys(names):
        b = bars[ticker]
        a, z = np.searchsorted(b.dates, lo), np.searchsorted(b.dates, hi, side="right")
        windows[ticker] = (b, slice(int(a), int(z)))
    held = np.unique(np.concatenate([b.dates[s] for b, s in windows.values()]))
    # caches written before the sessions-only rule may still hold non-session bars: never serve them
    dates = held[np.isin(held, sessions.astype("datetime64[D]"))]
    if len(dates) == 0:
        raise DataError(
            f"{source} has no prices for {', '.join(windows)} between {first} and {last}",
            context={"tickers": list(windows), "source": source},
        )
    tickers = tuple(windows)
    fields = [f for f in FIELDS if any(f in b.columns for b, _ in windows.values())]
    arrays = {f: np.full((len(dates), len(tickers)), np.nan) for f in fields}
    for j, (b, s) in enumerate(windows.values()):
        rows = np.searchsorted(dates, b.dates[s])
        for f in fields:
            if f in b.columns:
                arrays[f][rows, j] = b.columns[f][s]
    return PriceHistory(
        dates=dates,
        tickers=tickers,
        close=arrays["close"],
        open=arrays.get("open"),
        high=arrays.get("high"),
        low=arrays.get("low"),
        volume=arrays.get("volume"),
        source=source,
        synthetic=False,
    )
