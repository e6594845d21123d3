"""`alchemiser backtest`: what the simulation found, with the metrics users compare (SPEC §11).

Money here is simulated research money computed in float64 (SPEC: research arrays are float), so
it is a JSON number rounded to cents, not a decimal string.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from alchemiser.application.results.common import InterventionView, Record, Result


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


class DatedInterventionView(InterventionView):
    date: dt.date


class RiskSummaryView(Record):
    intervention_counts: dict[str, int]
    """Sessions each rule intervened on."""
    sessions_with_interventions: int
    final_equity_without_rules: float
    metrics_without_rules: MetricsView


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
    interventions: list[DatedInterventionView] = Field(default_factory=list)
    """What the risk rules changed, session by session (SPEC §14)."""
    risk: RiskSummaryView | None = None
    """Per-rule counts and the same backtest without the rules (None when no rule is set)."""
    report_file: str | None = None
    weights_file: str | None = None
    equity_file: str | None = None
