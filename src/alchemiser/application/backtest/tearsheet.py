"""Everything the HTML tearsheet shows, computed once from a backtest result.

The report renders this model and computes nothing: statistics, calendar tables, resampling of
long series (so 28 years stay readable and the file small), the top holdings and the current
allocation all live here, where they are tested against quantstats and by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from alchemiser.application.backtest.backtester import BacktestResult
from alchemiser.domain.backtest.metrics import SESSIONS_PER_YEAR, Metrics, compute_metrics
from alchemiser.domain.backtest.return_stats import ReturnStats, return_stats
from alchemiser.domain.backtest.simulation import DateArray

FloatArray = npt.NDArray[np.float64]

ROLLING_VOLATILITY_WINDOW = 63
ROLLING_SHARPE_WINDOW = 126
TOP_HOLDINGS = 8
ALLOCATION_PERIODS: tuple[tuple[float, str, str], ...] = (
    (3.0, "week", "W-FRI"),
    (12.0, "month", "M"),
    (math.inf, "quarter", "Q"),
)
"""(up to this many years of history, period name, pandas period): about 150 bars at most."""
DUST = 1e-9


@dataclass(frozen=True, slots=True)
class Line:
    """A dated series as the report draws it."""

    name: str
    dates: DateArray
    values: FloatArray


@dataclass(frozen=True, slots=True)
class Allocation:
    """Average weight of each shown holding per period (rows: periods, columns: names)."""

    frequency: str
    """"week", "month" or "quarter"."""
    dates: DateArray
    """Last session of each period."""
    names: tuple[str, ...]
    """Top holdings by average weight, then "Other" and "Cash" when they are ever held."""
    weights: FloatArray


@dataclass(frozen=True, slots=True)
class Holding:
    ticker: str
    weight: float


@dataclass(frozen=True, slots=True)
class MonthlyTable:
    years: tuple[int, ...]
    values: FloatArray
    """years × 12 returns, NaN where the history has no such month."""


@dataclass(frozen=True, slots=True)
class TearsheetModel:
    result: BacktestResult
    stats: ReturnStats
    benchmark_stats: ReturnStats | None
    benchmark_metrics: Metrics | None
    equity: tuple[Line, ...]
    drawdown: tuple[Line, ...]
    """Fall below the running peak, as a negative fraction."""
    rolling_volatility: Line
    rolling_sharpe: Line
    monthly: MonthlyTable
    allocation: Allocation
    holdings: tuple[Holding, ...]
    """The allocation held after the last session's trades, largest first; cash last."""
    holdings_date: DateArray
    sleeves: tuple[Line, ...]


WITHOUT_RULES = "Without risk rules"


def build_tearsheet(result: BacktestResult, *, top_holdings: int = TOP_HOLDINGS) -> TearsheetModel:
    dates = result.dates.astype("datetime64[D]")
    index = pd.DatetimeIndex(dates.astype("datetime64[ns]"))
    bench = result.benchmark_equity()
    bench_ok = bench is not None and bool(np.isfinite(bench).all())
    equity = [Line("Portfolio", dates, result.equity)]
    drawdown = [Line("Portfolio", dates, _drawdown(result.equity))]
    if result.unconstrained is not None:
        equity.append(Line(WITHOUT_RULES, dates, result.unconstrained.equity))
        drawdown.append(Line(WITHOUT_RULES, dates, _drawdown(result.unconstrained.equity)))
    if bench is not None:
        equity.append(Line(f"{result.benchmark} (buy and hold)", dates, bench))
        if bench_ok:
            drawdown.append(Line(str(result.benchmark), dates, _drawdown(bench)))
    stats = return_stats(dates, result.equity)
    weekly = _weekly_last(index)
    returns = pd.Series(result.equity, index=index).pct_change()
    volatility = returns.rolling(ROLLING_VOLATILITY_WINDOW).std() * math.sqrt(SESSIONS_PER_YEAR)
    rolling = returns.rolling(ROLLING_SHARPE_WINDOW)
    sharpe = rolling.mean() / rolling.std() * math.sqrt(SESSIONS_PER_YEAR)
    return TearsheetModel(
        result=result,
        stats=stats,
        benchmark_stats=return_stats(dates, bench) if bench is not None and bench_ok else None,
        benchmark_metrics=(
            compute_metrics(bench, result.benchmark_close)
            if bench is not None and bench_ok
            else None
        ),
        equity=tuple(equity),
        drawdown=tuple(drawdown),
        rolling_volatility=_sampled("Volatility", volatility, weekly),
        rolling_sharpe=_sampled("Sharpe", sharpe, weekly),
        monthly=_monthly_table(stats),
        allocation=allocation(result, top_holdings),
        holdings=current_holdings(result),
        holdings_date=dates[-1:],
        sleeves=tuple(
            _sampled(s.name, pd.Series(s.equity, index=index), weekly) for s in result.sleeves
        ),
    )


def allocation(result: BacktestResult, top: int = TOP_HOLDINGS) -> Allocation:
    """Weights averaged per week, month or quarter (by length of history), top N + Other + Cash.

    Daily weights over decades are thousands of stripes; about 150 averaged periods show how
    the portfolio was positioned and stay legible."""
    index = pd.DatetimeIndex(result.dates.astype("datetime64[ns]"))
    weights = pd.DataFrame(result.weights, index=index, columns=list(result.tickers))
    years = (index[-1] - index[0]).days / 365.25
    frequency, period = next((f, p) for limit, f, p in ALLOCATION_PERIODS if years <= limit)
    ranked = weights.mean().sort_values(ascending=False, kind="stable")
    keep = [str(t) for t in ranked.index[:top] if ranked[t] > DUST]
    shown = weights[keep].copy()
    rest = weights.drop(columns=keep).sum(axis=1)
    if rest.max() > DUST:
        shown["Other"] = rest
    cash = (1.0 - weights.sum(axis=1)).clip(lower=0.0)
    if cash.max() > DUST:
        shown["Cash"] = cash
    periods = index.to_period(period).asi8
    averaged = shown.groupby(periods).mean()
    ends = pd.Series(index, index=index).groupby(periods).last()
    return Allocation(
        frequency=frequency,
        dates=ends.to_numpy().astype("datetime64[D]"),
        names=tuple(str(c) for c in shown.columns),
        weights=averaged.to_numpy(dtype=np.float64),
    )


def current_holdings(result: BacktestResult) -> tuple[Holding, ...]:
    last = np.asarray(result.weights[-1], dtype=np.float64)
    order = np.argsort(-last, kind="stable")
    rows = [Holding(result.tickers[i], float(last[i])) for i in order if last[i] > DUST]
    cash = 1.0 - float(last.sum())
    if cash > DUST:
        rows.append(Holding("Cash", cash))
    return tuple(rows)


def _drawdown(equity: FloatArray) -> FloatArray:
    curve = np.asarray(equity, dtype=np.float64)
    out: FloatArray = curve / np.maximum.accumulate(curve) - 1.0
    return out


def _weekly_last(index: pd.DatetimeIndex) -> npt.NDArray[np.intp]:
    """Positions of the last session of each week (and the very last session)."""
    weeks = index.to_period("W-FRI").asi8
    return np.flatnonzero(np.append(weeks[1:] != weeks[:-1], True))


def _sampled(name: str, series: pd.Series, positions: npt.NDArray[np.intp]) -> Line:
    picked = series.iloc[positions]
    return Line(
        name,
        pd.DatetimeIndex(picked.index).to_numpy().astype("datetime64[D]"),
        picked.to_numpy(dtype=np.float64),
    )


def _monthly_table(stats: ReturnStats) -> MonthlyTable:
    months = [(int(r.period[:4]), int(r.period[5:7]), r.value) for r in stats.monthly]
    years = tuple(sorted({y for y, _, _ in months}))
    values = np.full((len(years), 12), np.nan)
    row = {y: i for i, y in enumerate(years)}
    for year, month, value in months:
        values[row[year], month - 1] = value
    return MonthlyTable(years=years, values=values)
