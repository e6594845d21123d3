"""Size and render time of the backtest tearsheet (issue 16: under 2 MB per report, offline).

Backtests the default portfolio over the synthetic market's whole history (27 years, ~50
tickers), writes the tearsheet into a temporary folder and prints each file's size: the report
and the plotly.js bundle it shares with every other report in that folder.

    ./dev python benchmarks/tearsheet.py [--start 1997-01-01]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from alchemiser.application.backtest import BacktestConfig, SleeveInput, run_backtest
from alchemiser.domain.portfolio.sleeves import DEFAULT_PORTFOLIO
from alchemiser.domain.symphony.builtins import builtin
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket
from alchemiser.interface.reports.tearsheet import write_tearsheet

TARGET_BYTES = 2_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(1997, 1, 1))
    args = parser.parse_args()
    market = SyntheticMarket(7, today=dt.date(2025, 10, 31))
    sleeves = [
        SleeveInput(s.name, builtin(s.symphony), s.allocation) for s in DEFAULT_PORTFOLIO.sleeves
    ]
    result = run_backtest(sleeves, market, BacktestConfig(start=args.start))
    print(
        f"backtest: {result.start} → {result.end}, {len(result.dates)} sessions, "
        f"{len(result.tickers)} tickers"
    )
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        report = write_tearsheet(result, Path(folder) / "tearsheet.html")
        elapsed = time.perf_counter() - start
        for path in sorted(Path(folder).iterdir()):
            print(f"{path.name:28} {path.stat().st_size / 1e6:6.2f} MB")
        size = report.stat().st_size
        verdict = "OK" if size < TARGET_BYTES else "OVER"
        print(f"report {size / 1e6:.2f} MB (target < {TARGET_BYTES / 1e6:.0f} MB): {verdict}")
        print(f"render and write: {elapsed:.2f} s")


if __name__ == "__main__":
    main()
