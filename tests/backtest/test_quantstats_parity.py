"""The tearsheet's statistics equal quantstats' on the same daily returns (quantstats 0.0.86).

Two series: the default portfolio's backtest (2019–2025, synthetic market) and a seeded random
walk over twelve years that loses on its first day, stays flat on some days (time in market
below 100 %) and ends in a drawdown. Functions checked: sharpe, sortino, volatility, cagr,
max_drawdown, skew, kurtosis, var, cvar, exposure, best/worst (day, "ME", "YE"),
monthly_returns (months and EOY), to_drawdown_series + drawdown_details, comp and cagr over the
trailing windows (cut-off dates from dateutil's relativedelta).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from alchemiser.application.backtest import BacktestResult
from alchemiser.application.backtest.tearsheet import build_tearsheet
from alchemiser.domain.backtest.metrics import compute_metrics
from alchemiser.domain.backtest.return_stats import (
    TRAILING_WINDOWS,
    drawdown_periods,
    return_stats,
)

qs = pytest.importorskip("quantstats")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
TOL = 1e-9


def _walk() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240607)
    days = pd.bdate_range("2013-03-04", "2025-06-30")
    returns = rng.standard_t(3, len(days) - 1) * 0.01
    returns[rng.random(len(returns)) < 0.1] = 0.0  # flat sessions, out of the market
    returns[0] = -0.02  # a loss on the very first return
    returns[-60:] = -np.abs(returns[-60:])  # ends below its peak
    equity = 100_000.0 * np.concatenate(([1.0], np.cumprod(1.0 + returns)))
    return days.to_numpy().astype("datetime64[D]"), equity


@pytest.fixture(scope="module", params=["portfolio", "random-walk"])
def series(request: pytest.FixtureRequest, portfolio_result: BacktestResult) -> tuple:
    if request.param == "portfolio":
        dates, equity = portfolio_result.dates.astype("datetime64[D]"), portfolio_result.equity
    else:
        dates, equity = _walk()
    index = pd.DatetimeIndex(dates.astype("datetime64[ns]"))
    returns = pd.Series(equity, index=index).pct_change().iloc[1:]
    return dates, equity, returns


def test_headline_metrics(series: tuple) -> None:
    _dates, equity, returns = series
    m = compute_metrics(equity)
    assert m.sharpe == pytest.approx(qs.stats.sharpe(returns), rel=TOL)
    assert m.sortino == pytest.approx(qs.stats.sortino(returns), rel=TOL)
    assert m.volatility == pytest.approx(qs.stats.volatility(returns), rel=TOL)
    assert m.cagr == pytest.approx(qs.stats.cagr(returns), rel=TOL)
    assert -m.max_drawdown == pytest.approx(qs.stats.max_drawdown(returns), rel=TOL)
    assert m.best_day == pytest.approx(qs.stats.best(returns), rel=TOL)
    assert m.worst_day == pytest.approx(qs.stats.worst(returns), rel=TOL)


def test_distribution_and_tail_risk(series: tuple) -> None:
    dates, equity, returns = series
    s = return_stats(dates, equity)
    assert s.skew == pytest.approx(qs.stats.skew(returns), rel=1e-8)
    assert s.kurtosis == pytest.approx(qs.stats.kurtosis(returns), rel=1e-8)
    assert s.value_at_risk == pytest.approx(qs.stats.var(returns), rel=1e-8)
    assert s.conditional_value_at_risk == pytest.approx(qs.stats.cvar(returns), rel=1e-8)
    # quantstats rounds time in market up to a whole percent; we keep the exact share.
    assert math.ceil(s.exposure * 100) / 100 == qs.stats.exposure(returns)
    assert s.exposure == pytest.approx(float((returns != 0).mean()))
    assert int(s.histogram.counts.sum()) == len(returns)


def test_best_and_worst_day_month_year(series: tuple) -> None:
    dates, equity, returns = series
    s = return_stats(dates, equity)
    assert s.best_day is not None and s.worst_day is not None
    assert s.best_day.value == pytest.approx(qs.stats.best(returns), rel=TOL)
    assert s.worst_day.value == pytest.approx(qs.stats.worst(returns), rel=TOL)
    assert pd.Timestamp(s.best_day.period) == returns.idxmax()
    for ours, agg in ((s.best_month, "ME"), (s.best_year, "YE")):
        assert ours is not None
        assert ours.value == pytest.approx(qs.stats.best(returns, aggregate=agg), rel=1e-9)
    for ours, agg in ((s.worst_month, "ME"), (s.worst_year, "YE")):
        assert ours is not None
        assert ours.value == pytest.approx(qs.stats.worst(returns, aggregate=agg), rel=1e-9)


def test_monthly_and_end_of_year_returns(series: tuple) -> None:
    dates, equity, returns = series
    s = return_stats(dates, equity)
    table = qs.stats.monthly_returns(returns)
    table.index = [int(y) for y in table.index]
    months = list(table.columns[:12])
    assert len(s.monthly) == returns.index.to_period("M").nunique()
    for r in s.monthly:
        year, month = int(r.period[:4]), int(r.period[5:7])
        assert r.value == pytest.approx(table.loc[year, months[month - 1]], rel=1e-9, abs=1e-12)
    assert [int(r.period) for r in s.yearly] == list(table.index)
    for r in s.yearly:
        assert r.value == pytest.approx(table.loc[int(r.period), "EOY"], rel=1e-9)


def test_drawdown_table(series: tuple) -> None:
    dates, equity, returns = series
    ours = drawdown_periods(dates, equity)
    theirs = qs.stats.drawdown_details(qs.stats.to_drawdown_series(returns))
    assert len(ours) == len(theirs) > 3
    for p, (_, row) in zip(ours, theirs.iterrows(), strict=True):
        assert p.start.isoformat() == row["start"]
        assert p.valley.isoformat() == row["valley"]
        assert p.end.isoformat() == row["end"]
        assert p.days == row["days"]
        assert -p.depth * 100 == pytest.approx(row["max drawdown"], rel=1e-9)
    assert ours[-1].recovered is False  # both series end below their peak
    worst = return_stats(dates, equity).drawdowns
    assert [p.depth for p in worst] == sorted((p.depth for p in ours), reverse=True)[:10]


def test_trailing_returns(series: tuple) -> None:
    dates, equity, returns = series
    trailing = {t.label: t for t in return_stats(dates, equity).trailing}
    end = returns.index[-1]
    checked = 0
    for label, months in TRAILING_WINDOWS:
        cutoff = (
            pd.Timestamp(end.year, 1, 1) if months is None else end - relativedelta(months=months)
        )
        ours = trailing[label]
        if pd.Timestamp(dates[0]) >= cutoff:
            assert ours.value is None, label  # the history does not cover the window
            continue
        window = returns[returns.index >= cutoff]
        expected = qs.stats.cagr(window) if ours.annualised else qs.stats.comp(window)
        assert ours.value == pytest.approx(expected, rel=1e-9), label
        checked += 1
    assert checked >= 6


def test_model_benchmark_column_matches_quantstats(portfolio_result: BacktestResult) -> None:
    model = build_tearsheet(portfolio_result)
    bench = portfolio_result.benchmark_equity()
    assert bench is not None and model.benchmark_stats is not None
    index = pd.DatetimeIndex(portfolio_result.dates.astype("datetime64[ns]"))
    returns = pd.Series(bench, index=index).pct_change().iloc[1:]
    assert model.benchmark_stats.skew == pytest.approx(qs.stats.skew(returns), rel=1e-8)
    assert model.benchmark_metrics is not None
    assert model.benchmark_metrics.sharpe == pytest.approx(qs.stats.sharpe(returns), rel=TOL)
