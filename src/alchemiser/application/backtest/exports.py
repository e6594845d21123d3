"""Backtest series as tables for the user's own analysis (the --weights-out / --equity-out CSVs)."""

from __future__ import annotations

import pandas as pd

from alchemiser.application.backtest.backtester import BacktestResult


def weights_frame(result: BacktestResult) -> pd.DataFrame:
    """The weights held after each close's trades, one column per ticker."""
    index = pd.Index([str(d) for d in result.dates], name="date")
    return pd.DataFrame(result.weights, index=index, columns=list(result.tickers))


def equity_frame(result: BacktestResult) -> pd.DataFrame:
    """Portfolio, sleeve and benchmark values per session."""
    index = pd.Index([str(d) for d in result.dates], name="date")
    frame = pd.DataFrame({"portfolio": result.equity}, index=index)
    for sleeve in result.sleeves:
        frame[f"sleeve:{sleeve.name}"] = sleeve.equity
    bench = result.benchmark_equity()
    if bench is not None:
        frame[f"benchmark:{result.benchmark}"] = bench
    return frame
