"""`alchemiser backtest`: what the simulation found, with the metrics users compare (SPEC §11).

Money here is simulated research money computed in float64 (SPEC: research arrays are float), so
it is a JSON number rounded to cents, not a decimal string.
"""

from __future__ import annotations

import datetime as dt

from alchemiser.application.results.common import Record, Result


class MetricsView(Record):
    """Fractions (0.12 = 12%) except the ratios; None where undefined."""

    cumulative_return: float | None
    cagr: float | None
    volatility: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float | None
    calmar: float | None
    beta: float | None
    alpha: float | None
    win_rate: float | None
    best_day: float | None
    worst_day: float | None


class BacktestSleeveView(Record):
    sleeve: str
    symphony: str
    allocation: float
    rebalance: str
    first_defined: dt.date
    final_equity: float
    metrics: MetricsView
    costs: float
    rebalances: int
    undefined_days: int


class BacktestSummary(Result):
    start: dt.date
    end: dt.date
    first_defined: dt.date
    warmup_sessions: int
    sessions: int
    capital: float
    final_equity: float
    metrics: MetricsView
    costs: float
    cost_breakdown: dict[str, float]
    traded_value: float
    turnover: float
    """Traded value per year as a fraction of the average equity."""
    benchmark: str | None
    benchmark_metrics: MetricsView | None
    source: str
    synthetic: bool
    sleeves: list[BacktestSleeveView]
    notes: list[str]
    report_file: str | None = None
    weights_file: str | None = None
    equity_file: str | None = None
