"""Market data benchmark: cache load speed, synthetic generation speed, peak memory (issue 3).

    .venv/bin/python benchmarks/market_data.py [--tickers N] [--years Y] [--repeat R]

1. Generate N tickers × Y years of the synthetic market (a fresh instance each run: factor paths
   plus every ticker). Target: well under a few seconds.
2. Write them to a Parquet cache in a temporary directory, then load them back through the
   caching source as a daily run would (no fetch: the cache is current). Target: < 0.5 s.
3. Peak Python heap (tracemalloc) of each phase and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.infrastructure.calendar import nyse_calendar
from alchemiser.infrastructure.marketdata.cached_source import CachedSource
from alchemiser.infrastructure.marketdata.parquet_cache import CachedBars, ParquetCache
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket
from alchemiser.infrastructure.marketdata.synthetic_profiles import PROFILES

T = TypeVar("T")


class NoFetch:
    """Inner source that fails if the cache ever asks it for anything."""

    name = "benchmark"
    synthetic = False

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        raise AssertionError(f"cache miss: {tickers} {start}..{end}")

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        raise AssertionError("not used")


def best_of(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - t0)
    assert result is not None
    return best, result


def peak_of(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickers", type=int, default=100)
    parser.add_argument("--years", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    calendar = nyse_calendar()  # built once per process; not part of either figure
    today = calendar.last_completed_session(dt.datetime.now(dt.UTC))
    start = today - dt.timedelta(days=round(365.25 * args.years))
    known = sorted(PROFILES)
    tickers = (known * (args.tickers // len(known) + 1))[: min(args.tickers, len(known))]
    tickers += [f"ZZ{i:03d}" for i in range(args.tickers - len(tickers))]

    def generate() -> PriceHistory:
        return SyntheticMarket(7, today=today, calendar=calendar).history(tickers, start, today)

    gen_seconds, history = best_of(args.repeat, generate)
    sessions, columns = history.close.shape
    print(
        f"synthetic: {columns} tickers × {sessions} sessions ({args.years} years, {start} … "
        f"{today}) generated in {gen_seconds * 1000:.0f} ms (best of {args.repeat})"
    )

    with tempfile.TemporaryDirectory() as tmp:
        cache = ParquetCache(Path(tmp))
        t0 = time.perf_counter()
        for j, ticker in enumerate(history.tickers):
            cache.write(
                CachedBars(ticker, history.dates, {"close": history.close[:, j]}, start, today)
            )
        write_seconds = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())

        def load() -> PriceHistory:
            source = CachedSource(
                NoFetch(), ParquetCache(Path(tmp)), calendar, default_start=start,
                now=lambda: dt.datetime.now(dt.UTC),
            )  # fmt: skip
            return source.history(tickers, start, today)

        load_seconds, loaded = best_of(args.repeat, load)
        assert loaded.close.shape == history.close.shape
        assert (loaded.close == history.close).all()
        print(
            f"cache:     wrote {columns} Parquet files ({size / 2**20:.1f} MB) in "
            f"{write_seconds * 1000:.0f} ms; loaded {columns} tickers × {sessions} sessions in "
            f"{load_seconds * 1000:.0f} ms (best of {args.repeat}; target < 500 ms) "
            f"{'OK' if load_seconds < 0.5 else 'SLOW'}"
        )
        load_peak = peak_of(load)
    gen_peak = peak_of(generate)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory:    peak Python heap {gen_peak:.0f} MB generating, {load_peak:.0f} MB loading; "
        f"process peak RSS {rss:.0f} MB (result array {history.close.nbytes / 2**20:.1f} MB)"
    )


if __name__ == "__main__":
    sys.exit(main())
