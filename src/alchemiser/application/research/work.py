"""The unit of research work and how one worker runs it, wherever that worker lives.

A `ResearchJob` holds what every task shares: the base symphonies, the price history (loaded
once, by the caller) and the backtest settings. It travels to each worker once (a process
pool's initializer, Ray's object store); tasks carry only a base key and a parameter
assignment. `run_batch` is the one function every executor calls, so the local pool, Ray and the
single process compute identical rows by construction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alchemiser.application.backtest.backtester import (
    BacktestConfig,
    BacktestResult,
    SleeveInput,
    run_backtest,
)
from alchemiser.application.research.models import VariantResult, finite
from alchemiser.domain.backtest.metrics import compute_metrics
from alchemiser.domain.errors import AlchemiserError
from alchemiser.domain.market.price_history import PriceHistory, as_day
from alchemiser.domain.research.deflated_sharpe import return_moments
from alchemiser.domain.research.parameters import ParameterSpace
from alchemiser.domain.symphony.tree import Symphony


class HistorySource:
    """A MarketDataSource over history already in memory: each task reads the one copy."""

    def __init__(self, history: PriceHistory) -> None:
        self._history = history

    @property
    def name(self) -> str:
        return self._history.source

    @property
    def synthetic(self) -> bool:
        return self._history.synthetic

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        return self._history.select(tickers).between(start, end)

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        return {t: self._history.last_close(t) for t in tickers}


@dataclass(frozen=True, eq=False)
class ResearchJob:
    symphonies: Mapping[str, Symphony]
    history: PriceHistory
    config: BacktestConfig
    split: dt.date | None = None
    """Walk-forward: sessions up to and including this date are in-sample."""
    keep_equity: bool = False


@dataclass(frozen=True, slots=True)
class ResearchTask:
    index: int
    base: str
    """Key of the base symphony in the job."""
    assignment: tuple[tuple[str, float], ...] = ()
    original: bool = False


_spaces: dict[tuple[str, str, str], ParameterSpace] = {}
"""Parameter spaces built once per worker and base symphony. Keyed by content (not by the job
object, whose identity a long-lived Ray worker may see reused), so a stale space is never
served for an edited file of the same name."""
_MAX_SPACES = 64


def _space(job: ResearchJob, base: str) -> ParameterSpace:
    symphony = job.symphonies[base]
    key = (base, symphony.digest, repr(symphony.rebalance))
    space = _spaces.get(key)
    if space is None:
        if len(_spaces) >= _MAX_SPACES:
            _spaces.clear()
        space = _spaces[key] = ParameterSpace(symphony)
    return space


def run_batch(job: ResearchJob, tasks: Sequence[ResearchTask]) -> list[VariantResult]:
    """Run each task; a failure is recorded on its row, never raised (one bad variant must not
    sink a thousand good ones)."""
    return [run_task(job, task) for task in tasks]


def run_task(job: ResearchJob, task: ResearchTask) -> VariantResult:
    began = time.perf_counter()
    base = job.symphonies[task.base]
    parameters = dict(task.assignment)
    head = VariantResult(
        index=task.index,
        symphony=task.base,
        name=base.name,
        parameters=parameters,
        original=task.original,
    )
    try:
        symphony = _space(job, task.base).variant(parameters) if parameters else base
        result = run_backtest(
            [SleeveInput(base.name or task.base, symphony, 1.0)],
            HistorySource(job.history),
            job.config,
        )
    except AlchemiserError as exc:
        return head.model_copy(
            update={"error": exc.message, "seconds": time.perf_counter() - began}
        )
    return _row(head, symphony, result, job, time.perf_counter() - began)


def _variant_digest(symphony: Symphony) -> str:
    """The tree's content digest, extended by the rebalance rule when it is not the default
    (a corridor sweep changes no node, yet is a different strategy)."""
    rule = symphony.rebalance
    if rule.frequency.value == "daily" and rule.threshold is None:
        return symphony.digest
    extra = hashlib.blake2b(
        f"{symphony.digest}|{rule.frequency.value}|{rule.threshold!r}".encode(), digest_size=16
    )
    return extra.hexdigest()


def _row(
    head: VariantResult,
    symphony: Symphony,
    result: BacktestResult,
    job: ResearchJob,
    seconds: float,
) -> VariantResult:
    m = result.metrics
    returns = result.equity[1:] / result.equity[:-1] - 1.0
    daily, skew, kurtosis = return_moments(returns)
    ins = oos = oos_cagr = None
    if job.split is not None:
        cut = int(np.searchsorted(result.dates, as_day(job.split), side="right"))
        if 2 <= cut < len(result.dates) - 1:
            inside = compute_metrics(result.equity[:cut])
            outside = compute_metrics(result.equity[cut - 1 :])
            ins, oos, oos_cagr = inside.sharpe, outside.sharpe, outside.cagr
    return head.model_copy(
        update={
            "digest": _variant_digest(symphony),
            "start": result.start.isoformat(),
            "end": result.end.isoformat(),
            "sessions": len(result.dates),
            "cagr": finite(m.cagr),
            "sharpe": finite(m.sharpe),
            "sortino": finite(m.sortino),
            "max_drawdown": finite(m.max_drawdown),
            "volatility": finite(m.volatility),
            "calmar": finite(m.calmar),
            "cumulative_return": finite(m.cumulative_return),
            "turnover": finite(result.turnover),
            "costs": finite(result.costs),
            "final_equity": finite(result.final_equity),
            "daily_sharpe": finite(daily),
            "skew": finite(skew),
            "kurtosis": finite(kurtosis),
            "in_sample_sharpe": finite(ins),
            "out_of_sample_sharpe": finite(oos),
            "out_of_sample_cagr": finite(oos_cagr),
            "seconds": seconds,
            "equity": [float(v) for v in result.equity] if job.keep_equity else None,
            "equity_dates": [str(d) for d in result.dates] if job.keep_equity else None,
        }
    )
