"""The sweep use case: backtest variants of one symphony and judge how much of the original's
result is robustness and how much is selection (issue 18).

Every variant runs through the same `run_backtest` as `alchemiser backtest`, with the same
settings, on price history loaded once. The verdict has three parts: where the original stands
among its neighbours, the metric surface over each pair of parameters, and the deflated Sharpe
ratio of the best variant given how many were tried; optionally a walk-forward split.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alchemiser.application.backtest.backtester import BacktestConfig
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.research.executor import Progress, ResearchExecutor
from alchemiser.application.research.models import (
    DeflatedSharpeSummary,
    NeighbourhoodSummary,
    SurfaceModel,
    SweepResult,
    VariantResult,
    WalkForwardSummary,
    finite,
)
from alchemiser.application.research.work import ResearchJob, ResearchTask
from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.research.deflated_sharpe import deflated_sharpe, sharpe_variance
from alchemiser.domain.research.parameters import ParameterSpace
from alchemiser.domain.research.robustness import neighbourhood, surfaces
from alchemiser.domain.research.variants import Axis, build_variants
from alchemiser.domain.symphony.evaluator import required_tickers
from alchemiser.domain.symphony.tree import Symphony

ANNUAL = math.sqrt(252)


@dataclass(frozen=True, slots=True)
class SweepRequest:
    label: str
    """How the symphony was named on the command line (file path or built-in)."""
    symphony: Symphony
    axes: tuple[Axis, ...]
    config: BacktestConfig
    random: int | None = None
    seed: int = 0
    split: dt.date | None = None
    tolerance: float = 0.10
    keep_equity: bool = False


def load_history(
    market: MarketDataSource, symphonies: Sequence[Symphony], config: BacktestConfig
) -> PriceHistory:
    """Every ticker the symphonies need, plus the benchmark when the source has it, once."""
    tickers = sorted(set().union(*(required_tickers(s) for s in symphonies)))
    if config.benchmark and config.benchmark not in tickers:
        try:
            return market.history([*tickers, config.benchmark], config.history_start, config.end)
        except DataError:
            pass  # the backtest notes the missing benchmark, as `backtest` does
    return market.history(tickers, config.history_start, config.end)


class SweepService:
    def __init__(self, executor: ResearchExecutor, market: MarketDataSource) -> None:
        self._executor = executor
        self._market = market

    def run(self, request: SweepRequest, progress: Progress | None = None) -> SweepResult:
        began = time.perf_counter()
        space = ParameterSpace(request.symphony)
        original = {a.address: space.value_of(a.address) for a in request.axes}
        for axis in request.axes:  # every value checked before any work starts
            for value in axis.values:
                space.variant({axis.address: value})
        assignments, original_index = build_variants(
            request.axes, original, random=request.random, seed=request.seed
        )
        history = load_history(self._market, [request.symphony], request.config)
        job = ResearchJob(
            symphonies={request.label: request.symphony},
            history=history,
            config=request.config,
            split=request.split,
            keep_equity=request.keep_equity,
        )
        tasks = [
            ResearchTask(i, request.label, tuple(a.items()), original=i == original_index)
            for i, a in enumerate(assignments)
        ]
        rows = self._executor.run(job, tasks, progress)
        return analyse(
            request,
            rows,
            original_index,
            executor=self._executor.name,
            seconds=time.perf_counter() - began,
            history=history,
        )


def analyse(
    request: SweepRequest,
    rows: list[VariantResult],
    original: int,
    *,
    executor: str,
    seconds: float,
    history: PriceHistory,
) -> SweepResult:
    addresses = [a.address for a in request.axes]
    values = np.array([[r.parameters[a] for a in addresses] for r in rows], dtype=np.float64)
    sharpe = np.array([_num(r.sharpe) for r in rows])
    ok = np.isfinite(sharpe)
    best = int(np.nanargmax(np.where(ok, sharpe, -np.inf))) if ok.any() else None
    near = neighbourhood(
        values, sharpe, original, grid=request.random is None, tolerance=request.tolerance
    )
    return SweepResult(
        symphony=request.label,
        name=request.symphony.name,
        mode="grid" if request.random is None else "random",
        addresses=addresses,
        executor=executor,
        seconds=seconds,
        variants=rows,
        original=original,
        best=best,
        failed=sum(not r.ok for r in rows),
        deflated_sharpe=_deflated(rows, best),
        neighbourhood=NeighbourhoodSummary(
            neighbours=len(near.neighbours),
            rank=near.rank,
            within_fraction=finite(near.within_fraction),
            tolerance=near.tolerance,
            median_sharpe=finite(near.median_sharpe),
            original_sharpe=rows[original].sharpe,
        ),
        surfaces=[
            SurfaceModel(
                x=s.x,
                y=s.y,
                x_values=list(s.x_values),
                y_values=list(s.y_values),
                z=[list(row) for row in s.z],
            )
            for s in surfaces(addresses, values, sharpe)
        ],
        walk_forward=_walk_forward(request, rows, original),
        synthetic=history.synthetic,
        source=history.source,
    )


def _num(value: float | None) -> float:
    return float("nan") if value is None else value


def _deflated(rows: list[VariantResult], best: int | None) -> DeflatedSharpeSummary | None:
    if best is None:
        return None
    chosen = rows[best]
    daily = [_num(r.daily_sharpe) for r in rows if r.ok]
    if chosen.daily_sharpe is None or chosen.skew is None or chosen.kurtosis is None:
        return None
    result = deflated_sharpe(
        chosen.daily_sharpe,
        n_obs=max(chosen.sessions - 1, 0),
        skew=chosen.skew,
        kurtosis=chosen.kurtosis,
        n_trials=len(daily),
        sharpe_variance=sharpe_variance(daily),
    )
    return DeflatedSharpeSummary(
        variant=best,
        sharpe_annual=chosen.sharpe,
        daily_sharpe=chosen.daily_sharpe,
        expected_max_daily_sharpe=result.expected_max,
        dsr=finite(result.dsr),
        significant=result.significant,
        n_trials=result.n_trials,
        n_obs=result.n_obs,
        skew=chosen.skew,
        kurtosis=chosen.kurtosis,
        sharpe_variance=result.sharpe_variance,
    )


def _walk_forward(
    request: SweepRequest, rows: list[VariantResult], original: int
) -> WalkForwardSummary | None:
    if request.split is None:
        return None
    ins = np.array([_num(r.in_sample_sharpe) for r in rows])
    oos = np.array([_num(r.out_of_sample_sharpe) for r in rows])
    if not np.isfinite(ins).any():
        return None
    chosen = int(np.nanargmax(np.where(np.isfinite(ins), ins, -np.inf)))
    finite_oos = oos[np.isfinite(oos)]
    rank = 1 + int(np.sum(finite_oos > oos[chosen])) if math.isfinite(float(oos[chosen])) else None
    return WalkForwardSummary(
        split=request.split.isoformat(),
        chosen=chosen,
        chosen_in_sample_sharpe=finite(float(ins[chosen])),
        chosen_out_of_sample_sharpe=finite(float(oos[chosen])),
        original_out_of_sample_sharpe=finite(float(oos[original])),
        median_out_of_sample_sharpe=finite(float(np.median(finite_oos)))
        if len(finite_oos)
        else None,
        out_of_sample_rank=rank,
    )
