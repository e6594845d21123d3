"""Backtest speed, printed side by side (issue 8).

1. The default 3-sleeve portfolio (nuclear .3, tecl .5, klm .2) over 20 years of the synthetic
   market, vectorised: end to end (history, evaluation, simulation, metrics) after the data are
   cached, best of a few runs. Target: < 2 s.
2. The same portfolio through the plain per-day reference loop of the tests (re-evaluates every
   tree on the history truncated to each session), the ratio, and the largest difference of the
   two equity curves (the full 20-year loop takes minutes; --reference-years N shortens it and
   extrapolates the ratio).
3. Every symphony in ../shared/symphonies backtested alone over 10 years (skipped when absent).

Usage: .venv/bin/python benchmarks/backtest.py [--reference-years N] [--skip-reference]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.backtest.reference_loop

from tests.backtest.reference_loop import reference_equity  # noqa: E402

from alchemiser import bootstrap  # noqa: E402
from alchemiser.application.backtest import (  # noqa: E402
    BacktestConfig,
    SleeveInput,
    run_backtest,
)
from alchemiser.domain.errors import AlchemiserError  # noqa: E402
from alchemiser.domain.portfolio.sleeves import DEFAULT_PORTFOLIO  # noqa: E402
from alchemiser.domain.symphony.evaluator import required_tickers  # noqa: E402
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket  # noqa: E402

SHARED = ROOT.parent / "shared" / "symphonies"
END = dt.date(2025, 10, 31)


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


def vectorised(market: SyntheticMarket, sleeves: list[SleeveInput], years: int) -> None:
    config = BacktestConfig(start=_years_before(END, years), end=END)
    run_backtest(sleeves, market, config)  # warm the synthetic market's cache
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        result = run_backtest(sleeves, market, config)
        timings.append(time.perf_counter() - began)
    best = min(timings)
    print(
        f"vectorised   {years}y default portfolio: {best:6.3f} s  ({len(result.dates)} sessions, "
        f"final ${result.final_equity:,.0f}, target < 2 s: {'OK' if best < 2 else 'MISSED'})",
        flush=True,
    )
    return result, best


def reference(market: SyntheticMarket, sleeves: list[SleeveInput], years: int, vector) -> None:
    result, vector_seconds = vector
    config = BacktestConfig(start=_years_before(END, years), end=END)
    short = run_backtest(sleeves, market, config) if years != _YEARS else result
    needs = [sorted(required_tickers(s.symphony)) for s in sleeves]
    history = market.history(sorted({t for n in needs for t in n}), None, END)
    start = int(np.searchsorted(history.dates, short.dates[0]))
    began = time.perf_counter()
    curves = []
    for sleeve, tickers in zip(sleeves, needs, strict=True):
        sub = history.select(tickers)
        curves.append(
            reference_equity(
                sleeve.symphony, sub, start=start, capital=config.capital * sleeve.allocation
            )
        )
    seconds = time.perf_counter() - began
    combined = np.sum(curves, axis=0)
    gap = float(np.max(np.abs(combined / short.equity - 1.0)))
    print(
        f"reference    {years}y per-day loop:        {seconds:6.1f} s  ({len(combined)} sessions, "
        f"max relative gap to vectorised {gap:.1e})"
    )
    if years == _YEARS:
        print(f"ratio        reference / vectorised:    {seconds / vector_seconds:8.0f}×")
    else:
        per_day = seconds / len(combined)
        estimate = per_day * len(result.dates)
        print(
            f"ratio        (reference extrapolated to {_YEARS}y: {estimate:.0f} s) "
            f"≈ {estimate / vector_seconds:.0f}×"
        )


def corpus(market: SyntheticMarket, years: int) -> None:
    if not SHARED.is_dir():
        print(f"corpus: {SHARED} is absent, skipped")
        return
    files = sorted(p for p in SHARED.iterdir() if p.suffix in (".clj", ".json", ".edn"))
    config = BacktestConfig(start=_years_before(END, years), end=END)
    total = 0.0
    failures = 0
    print(f"\ncorpus: {len(files)} symphonies, each alone over {years} years")
    print(f"  {'file':42} {'sec':>6} {'sessions':>8} {'first def.':>10} {'CAGR':>8} {'maxDD':>7}")
    for path in files:
        began = time.perf_counter()
        try:
            symphony = bootstrap.load_symphony(str(path))
            result = run_backtest([SleeveInput(path.stem, symphony, 1.0)], market, config)
        except AlchemiserError as exc:
            seconds = time.perf_counter() - began
            total += seconds
            failures += 1
            print(f"  {path.name[:42]:42} {seconds:6.2f} FAILED {type(exc).__name__}: {exc}"[:160])
            continue
        seconds = time.perf_counter() - began
        total += seconds
        m = result.metrics
        print(
            f"  {path.name[:42]:42} {seconds:6.2f} {len(result.dates):8d} "
            f"{result.first_defined.isoformat():>10} {m.cagr:8.1%} {m.max_drawdown:7.1%}"
        )
    print(f"corpus total: {total:.1f} s for {len(files)} files, {failures} failed")


_YEARS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-years", type=int, default=_YEARS)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true")
    args = parser.parse_args()
    market = SyntheticMarket(7, today=END)
    sleeves = [
        SleeveInput(s.name, bootstrap.load_symphony(s.symphony), s.allocation)
        for s in DEFAULT_PORTFOLIO.sleeves
    ]
    vector = vectorised(market, sleeves, _YEARS)
    if not args.skip_reference:
        reference(market, sleeves, args.reference_years, vector)
    if not args.skip_corpus:
        corpus(market, 10)


if __name__ == "__main__":
    main()
