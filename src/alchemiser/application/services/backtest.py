"""The `backtest` use case: the symphony engine over history (SPEC §11), its summary, and the
files a user asked for (HTML tearsheet, weights and equity CSVs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from alchemiser.application.backtest import BacktestConfig, BacktestResult, run_backtest
from alchemiser.application.backtest.backtester import sleeves_from_specs
from alchemiser.application.backtest.exports import equity_frame, weights_frame
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.results.backtest import (
    BacktestSleeveView,
    BacktestSummary,
    DatedInterventionView,
    MetricsView,
    RiskSummaryView,
)
from alchemiser.application.results.common import number_or_none
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.domain.backtest.metrics import Metrics, compute_metrics
from alchemiser.domain.backtest.rebalancing import RebalanceKind, parse_policy
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.symphony.tree import Symphony

WARMUP_YEARS = 3
SLEEVE_REBALANCE = ("weekly", "monthly", "quarterly", "yearly")


class TearsheetWriter(Protocol):
    def __call__(self, result: BacktestResult, path: Path, *, log_scale: bool) -> object: ...


@dataclass(frozen=True, slots=True)
class BacktestOptions:
    start: dt.date | None = None
    end: dt.date | None = None
    capital: float = 100_000.0
    slippage_bps: float = 1.0
    fees: bool = True
    rebalance: str | None = None
    """Override every symphony's own rule: daily, weekly, …, threshold:X or none."""
    sleeve_rebalance: str = "never"
    benchmark: str = "SPY"
    report: Path | None = None
    log_scale: bool = True
    weights_out: Path | None = None
    equity_out: Path | None = None
    risk: RiskLimits | None = None
    """The risk limits applied each session (SPEC §14); None = none."""


class BacktestService:
    def __init__(
        self,
        market: MarketDataSource,
        load_symphony: Callable[[str], Symphony],
        *,
        history_years: int,
        tearsheet: TearsheetWriter | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._market = market
        self._load = load_symphony
        self._history_years = history_years
        self._tearsheet = tearsheet
        self._today = today

    def steps(self, portfolio: PortfolioSpec, options: BacktestOptions) -> int:
        """How many progress steps `run` announces (for a progress bar)."""
        return len(portfolio.sleeves) + 3 + (options.report is not None)

    def run(
        self,
        portfolio: PortfolioSpec,
        options: BacktestOptions,
        progress: Callable[[str], None] = lambda _: None,
    ) -> BacktestSummary:
        config = self.config(options)
        progress("loading symphonies")
        sleeves = sleeves_from_specs(portfolio.sleeves, self._load)
        result = run_backtest(sleeves, self._market, config, progress=progress)
        if options.report is not None:
            progress("writing the report")
            if self._tearsheet is None:
                raise ConfigurationError("no tearsheet writer is configured")
            self._tearsheet(result, options.report, log_scale=options.log_scale)
        if options.weights_out is not None:
            weights_frame(result).to_csv(options.weights_out, float_format="%.8g")
        if options.equity_out is not None:
            equity_frame(result).to_csv(options.equity_out, float_format="%.6f")
        return summary_of(result, options)

    def config(self, options: BacktestOptions) -> BacktestConfig:
        return backtest_config(options, history_years=self._history_years, today=self._today())

    def history_start(self, start: dt.date | None) -> dt.date | None:
        return history_start(start, history_years=self._history_years, today=self._today())


def backtest_config(
    options: BacktestOptions, *, history_years: int, today: dt.date
) -> BacktestConfig:
    """The engine's settings from the command's options (also what a sweep's variants and a
    many-file backtest use, so each is backtested exactly as `backtest` would)."""
    benchmark = options.benchmark.strip().upper()
    return BacktestConfig(
        start=options.start,
        history_start=history_start(options.start, history_years=history_years, today=today),
        end=options.end,
        capital=options.capital,
        costs=CostModel(slippage_bps=options.slippage_bps, fees=options.fees),
        rebalance=parse_policy(options.rebalance) if options.rebalance else None,
        benchmark=None if benchmark == "NONE" else benchmark,
        sleeve_rebalance=_sleeve_rebalance(options.sleeve_rebalance),
        risk=options.risk,
    )


def history_start(start: dt.date | None, *, history_years: int, today: dt.date) -> dt.date | None:
    """The source's default history (`history_years`), extended back when the backtest starts
    earlier, so indicators still get WARMUP_YEARS of warm-up."""
    if start is None:
        return None
    wanted = start - dt.timedelta(days=round(365.25 * WARMUP_YEARS))
    default = today - dt.timedelta(days=round(365.25 * history_years))
    return wanted if wanted < default else None


def summary_of(result: BacktestResult, options: BacktestOptions) -> BacktestSummary:
    bench = result.benchmark_equity()
    return BacktestSummary(
        start=result.start,
        end=result.end,
        first_defined=result.first_defined,
        warmup_sessions=result.warmup_sessions,
        sessions=len(result.dates),
        capital=result.capital,
        final_equity=result.final_equity,
        metrics=metrics_view(result.metrics),
        costs=result.costs,
        cost_breakdown=dict(result.cost_breakdown),
        traded_value=result.traded_value,
        turnover=result.turnover,
        benchmark=result.benchmark,
        benchmark_metrics=metrics_view(compute_metrics(bench))
        if bench is not None and np.isfinite(bench).all()
        else None,
        source=result.source,
        synthetic=result.synthetic,
        sleeves=[
            BacktestSleeveView(
                sleeve=s.name,
                symphony=s.symphony,
                allocation=s.allocation,
                rebalance=s.policy.label(),
                first_defined=s.first_defined,
                final_equity=float(s.equity[-1]),
                metrics=metrics_view(s.metrics),
                costs=s.simulation.total_costs,
                rebalances=int(s.simulation.rebalanced.sum()),
                undefined_days=s.simulation.undefined_days,
            )
            for s in result.sleeves
        ],
        notes=list(result.notes),
        interventions=[
            DatedInterventionView.model_validate(i.as_dict()) for i in result.interventions
        ],
        risk=None
        if result.unconstrained is None
        else RiskSummaryView(
            intervention_counts=result.intervention_counts,
            sessions_with_interventions=len({i.day for i in result.interventions}),
            final_equity_without_rules=result.unconstrained.final_equity,
            metrics_without_rules=metrics_view(result.unconstrained.metrics),
        ),
        report_file=None if options.report is None else str(options.report),
        weights_file=None if options.weights_out is None else str(options.weights_out),
        equity_file=None if options.equity_out is None else str(options.equity_out),
    )


def metrics_view(metrics: Metrics) -> MetricsView:
    return MetricsView(
        cumulative_return=number_or_none(metrics.cumulative_return),
        cagr=number_or_none(metrics.cagr),
        volatility=number_or_none(metrics.volatility),
        sharpe=number_or_none(metrics.sharpe),
        sortino=number_or_none(metrics.sortino),
        max_drawdown=number_or_none(metrics.max_drawdown),
        calmar=number_or_none(metrics.calmar),
        beta=number_or_none(metrics.beta),
        alpha=number_or_none(metrics.alpha),
        win_rate=number_or_none(metrics.win_rate),
        best_day=number_or_none(metrics.best_day),
        worst_day=number_or_none(metrics.worst_day),
    )


def _sleeve_rebalance(text: str) -> RebalanceKind | None:
    raw = text.strip().lower()
    if raw in ("never", "none"):
        return None
    if raw not in SLEEVE_REBALANCE:
        raise ConfigurationError(
            f"--sleeve-rebalance {text!r}: expected never, {', '.join(SLEEVE_REBALANCE)}",
            context={"option": "--sleeve-rebalance"},
        )
    return RebalanceKind(raw)
