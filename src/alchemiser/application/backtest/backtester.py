"""The backtest use case (SPEC §11): the engine that trades, run over history.

Each sleeve's symphony is evaluated once over the whole history (the same `evaluate` that
produces today's signal), then simulated as a virtual sub-account holding its share of the
capital under its own rebalancing rule. The portfolio is the sum of the sub-accounts.

By default the sleeves are never re-allocated: each drifts with its own performance, which is
what running independent symphonies side by side does. `sleeve_rebalance` (a calendar rule)
brings every sleeve back to its allocation on the first session of each period; on that session
every sleeve also trades back to its own target, so the re-allocation and the sleeve's trade are
one netted trade. Costs are charged per sleeve on gross trades: where two sleeves trade the same
ticker in opposite directions a real (blended) account nets them, so reported costs are an upper
bound.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from alchemiser.application.backtest.risk import (
    NOT_SIMULATED,
    DatedIntervention,
    Trip,
    apply_target_rules,
    first_trip,
    halted_matrices,
)
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.domain.backtest.metrics import SESSIONS_PER_YEAR, Metrics, compute_metrics
from alchemiser.domain.backtest.rebalancing import (
    CALENDAR_KINDS,
    RebalanceKind,
    RebalancePolicy,
    period_starts,
    policy_from_rule,
)
from alchemiser.domain.backtest.simulation import (
    FloatArray,
    PortfolioState,
    SimulationResult,
    simulate,
)
from alchemiser.domain.errors import ConfigurationError, DataError, SignalUndefinedError
from alchemiser.domain.market.price_history import DateArray, PriceHistory, as_day, to_date
from alchemiser.domain.portfolio.sleeves import SleeveSpec, validate_allocations
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.pipeline import RiskPipeline
from alchemiser.domain.symphony.allocation import AllocationMatrix
from alchemiser.domain.symphony.evaluator import evaluate, required_tickers
from alchemiser.domain.symphony.tree import Symphony

Progress = Callable[[str], None]
"""Called with a short description as each step starts (evaluating a sleeve, simulating…)."""


@dataclass(frozen=True, slots=True)
class SleeveInput:
    name: str
    symphony: Symphony
    allocation: float


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    start: dt.date | None = None
    end: dt.date | None = None
    capital: float = 100_000.0
    costs: CostModel = field(default_factory=CostModel)
    rebalance: RebalancePolicy | None = None
    """Overrides every sleeve's own rule when set."""
    benchmark: str | None = "SPY"
    sleeve_rebalance: RebalanceKind | None = None
    """Calendar on which sleeves go back to their allocations; None = never (they drift)."""
    history_start: dt.date | None = None
    """First date of history to load (None: the source's default). Indicators see all of it:
    recursive ones (RSI, EMA) depend on how much history precedes a date (SPEC §3)."""
    risk: RiskLimits | None = None
    """The risk limits to apply each session (SPEC §14); the result then also carries the run
    without them (`unconstrained`)."""

    def __post_init__(self) -> None:
        if not (self.capital > 0 and math.isfinite(self.capital)):
            raise ConfigurationError(
                f"starting capital must be positive, got {self.capital}",
                context={"setting": "capital"},
            )
        if self.sleeve_rebalance is not None and self.sleeve_rebalance not in CALENDAR_KINDS:
            raise ConfigurationError(
                f"sleeves can be re-allocated weekly, monthly, quarterly or yearly, "
                f"not {self.sleeve_rebalance.value}",
                context={"setting": "sleeve_rebalance"},
            )
        if self.start and self.end and self.start > self.end:
            raise ConfigurationError(
                f"the backtest start {self.start} is after its end {self.end}",
                context={"setting": "start"},
            )


@dataclass(frozen=True, eq=False)
class SleeveResult:
    name: str
    symphony: str
    allocation: float
    policy: RebalancePolicy
    first_defined: dt.date
    simulation: SimulationResult
    metrics: Metrics

    @property
    def equity(self) -> FloatArray:
        return self.simulation.equity


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Everything a report needs; arrays are aligned on `dates` (the simulated sessions)."""

    dates: DateArray
    equity: FloatArray
    tickers: tuple[str, ...]
    weights: FloatArray
    """Combined weights held after each close's trades (dates × tickers)."""
    sleeves: tuple[SleeveResult, ...]
    metrics: Metrics
    benchmark: str | None
    benchmark_close: FloatArray | None
    first_defined: dt.date
    warmup_sessions: int
    """Sessions of history the indicators needed before every sleeve was defined."""
    capital: float
    costs: float
    cost_breakdown: dict[str, float]
    traded_value: float
    turnover: float
    """Average annual one-way turnover: Σ (|trades| / 2) / equity per year, entry excluded."""
    source: str
    synthetic: bool
    notes: tuple[str, ...] = ()
    interventions: tuple[DatedIntervention, ...] = ()
    """What the risk rules changed, session by session (empty without rules)."""
    unconstrained: BacktestResult | None = None
    """The same backtest without the risk rules (None when none are set)."""

    @property
    def intervention_counts(self) -> dict[str, int]:
        """How many sessions each rule intervened on."""
        seen: dict[str, set[dt.date]] = {}
        for item in self.interventions:
            seen.setdefault(item.intervention.rule, set()).add(item.day)
        return {rule: len(days) for rule, days in sorted(seen.items())}

    @property
    def start(self) -> dt.date:
        return to_date(self.dates[0])

    @property
    def end(self) -> dt.date:
        return to_date(self.dates[-1])

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1])

    def benchmark_equity(self) -> FloatArray | None:
        """The benchmark bought with the same capital on the first session (buy and hold)."""
        if self.benchmark_close is None or not np.isfinite(self.benchmark_close[0]):
            return None
        curve: FloatArray = self.capital * self.benchmark_close / self.benchmark_close[0]
        return curve


def sleeves_from_specs(
    specs: Sequence[SleeveSpec], load: Callable[[str], Symphony]
) -> list[SleeveInput]:
    return [SleeveInput(s.name, load(s.symphony), s.allocation) for s in specs]


def run_backtest(
    sleeves: Sequence[SleeveInput],
    source: MarketDataSource,
    config: BacktestConfig,
    progress: Progress | None = None,
) -> BacktestResult:
    """Load history, evaluate each sleeve once, simulate the sub-accounts and combine them."""
    validate_allocations(
        tuple(SleeveSpec(s.name, s.symphony.name, s.allocation) for s in sleeves), "backtest"
    )
    step = progress or (lambda _: None)
    tickers = sorted(set().union(*(required_tickers(s.symphony) for s in sleeves)))
    step(f"loading {len(tickers)} tickers from {source.name}")
    history = source.history(tickers, config.history_start, config.end)
    bench_close, notes = _benchmark(source, config, history)
    matrices: list[AllocationMatrix] = []
    for sleeve in sleeves:
        step(f"evaluating {sleeve.name}")
        matrices.append(_aligned(evaluate(sleeve.symphony, history), history))
    begin, first = _start_index(history, matrices, sleeves, config)
    step("simulating")
    sims = _simulate_sleeves(history, matrices, sleeves, config, begin)
    bench = None if bench_close is None else bench_close[begin:]
    plain = _combine(
        history=history,
        sleeves=sleeves,
        sims=sims,
        matrices=matrices,
        config=config,
        begin=begin,
        first=first,
        bench_close=bench,
        notes=notes,
    )
    if config.risk is None or not RiskPipeline(config.risk).active:
        return plain
    step("applying the risk rules")
    risked, found, risk_notes = _with_risk(history, matrices, sleeves, config, begin)
    result = _combine(
        history=history,
        sleeves=sleeves,
        sims=risked,
        matrices=matrices,
        config=config,
        begin=begin,
        first=first,
        bench_close=bench,
        notes=notes + risk_notes,
    )
    return replace(result, interventions=tuple(found), unconstrained=plain)


def _with_risk(
    history: PriceHistory,
    matrices: Sequence[AllocationMatrix],
    sleeves: Sequence[SleeveInput],
    config: BacktestConfig,
    begin: int,
) -> tuple[list[SimulationResult], list[DatedIntervention], tuple[str, ...]]:
    """The sleeves simulated under the risk limits (see application.backtest.risk)."""
    assert config.risk is not None
    limits = config.risk
    pipeline = RiskPipeline(limits)
    applied = apply_target_rules(
        pipeline,
        matrices,
        [s.name for s in sleeves],
        [s.allocation for s in sleeves],
        begin,
    )
    found = list(applied.interventions)
    sims = _simulate_sleeves(history, applied.matrices, sleeves, config, begin)
    trip = first_trip(limits, sims, history.dates[begin:], begin)
    if trip is not None:
        sims = _after_trip(history, applied.matrices, sleeves, config, begin, trip=trip)
        found = [i for i in found if i.day < trip.intervention.day] + [trip.intervention]
    unsimulated = [name for name in NOT_SIMULATED if getattr(limits, name) is not None]
    notes: tuple[str, ...] = ()
    if unsimulated:
        notes = (
            f"risk rules acting on live orders are not simulated: {', '.join(unsimulated)} "
            "(the backtest trades at the close in fractional shares)",
        )
    return sims, found, notes


def _after_trip(
    history: PriceHistory,
    matrices: Sequence[AllocationMatrix],
    sleeves: Sequence[SleeveInput],
    config: BacktestConfig,
    begin: int,
    *,
    trip: Trip,
) -> list[SimulationResult]:
    """The path up to the tripping session is unchanged; from it every sleeve goes to cash (or
    stops trading), rebalancing on that session whatever its calendar."""
    halted = halted_matrices(matrices, trip)
    if trip.index <= begin:
        return _simulate_sleeves(history, halted, sleeves, config, begin)
    before = _simulate_sleeves(history, matrices, sleeves, config, begin, stop=trip.index)
    out = []
    for k, (m, sleeve) in enumerate(zip(halted, sleeves, strict=True)):
        rest = simulate(
            history.dates,
            m.tickers,
            history.select(m.tickers).close,
            m.weights,
            m.defined,
            policy=_policy(sleeve, config),
            costs=config.costs,
            capital=config.capital * sleeve.allocation,
            start=trip.index,
            initial=before[k].final,
            force_first=trip.action.value == "scale",
        )
        out.append(_concatenate([before[k], rest]))
    return out


def _benchmark(
    source: MarketDataSource, config: BacktestConfig, history: PriceHistory
) -> tuple[FloatArray | None, tuple[str, ...]]:
    if not config.benchmark:
        return None, ()
    if config.benchmark in history:
        return history.closes(config.benchmark), ()
    try:
        bench = source.history([config.benchmark], config.history_start, config.end)
    except DataError as exc:
        return None, (f"benchmark {config.benchmark} unavailable: {exc}",)
    idx = np.searchsorted(bench.dates, history.dates)
    idx = np.minimum(idx, len(bench.dates) - 1)
    aligned = np.where(bench.dates[idx] == history.dates, bench.close[idx, 0], np.nan)
    return aligned, ()


def _aligned(matrix: AllocationMatrix, history: PriceHistory) -> AllocationMatrix:
    """The evaluator works on the history's own sessions; check rather than assume it."""
    if len(matrix.dates) != len(history.dates) or not np.array_equal(matrix.dates, history.dates):
        raise DataError("the allocation matrix is not on the price history's sessions")
    return matrix


def _start_index(
    history: PriceHistory,
    matrices: Sequence[AllocationMatrix],
    sleeves: Sequence[SleeveInput],
    config: BacktestConfig,
) -> tuple[int, int]:
    """(start, first defined): the first session every sleeve is defined on, and the session
    the backtest starts on (the requested start if later)."""
    firsts: list[int] = []
    for matrix, sleeve in zip(matrices, sleeves, strict=True):
        hits = np.flatnonzero(matrix.defined)
        if len(hits) == 0:
            raise SignalUndefinedError(
                f"sleeve {sleeve.name} ({sleeve.symphony.name}) is undefined on every session "
                f"up to {history.last_date}: its indicators need more history",
                context={"sleeve": sleeve.name, "source": sleeve.symphony.source},
                suggested_action="Use a data source with more history, or a later end date.",
            )
        firsts.append(int(hits[0]))
    first = max(firsts)
    begin = first
    if config.start is not None:
        begin = max(begin, int(np.searchsorted(history.dates, as_day(config.start))))
    if begin >= len(history.dates) - 1:
        raise DataError(
            f"no sessions to backtest: the strategies are first defined on "
            f"{to_date(history.dates[min(first, len(history.dates) - 1)])} and the history ends "
            f"on {history.last_date}",
            context={"start": str(config.start), "end": str(config.end)},
        )
    return begin, first


def _policy(sleeve: SleeveInput, config: BacktestConfig) -> RebalancePolicy:
    return config.rebalance or policy_from_rule(sleeve.symphony.rebalance)


def _simulate_sleeves(
    history: PriceHistory,
    matrices: Sequence[AllocationMatrix],
    sleeves: Sequence[SleeveInput],
    config: BacktestConfig,
    begin: int,
    *,
    stop: int | None = None,
) -> list[SimulationResult]:
    closes = [history.select(m.tickers).close for m in matrices]
    policies = [_policy(s, config) for s in sleeves]
    if config.sleeve_rebalance is None:
        return [
            simulate(
                history.dates,
                m.tickers,
                close,
                m.weights,
                m.defined,
                policy=policy,
                costs=config.costs,
                capital=config.capital * s.allocation,
                start=begin,
                stop=stop,
            )
            for m, close, policy, s in zip(matrices, closes, policies, sleeves, strict=True)
        ]
    starts = period_starts(history.dates[begin:], config.sleeve_rebalance)
    end = len(history.dates) if stop is None else stop
    bounds = [*(b for b in (begin + np.flatnonzero(starts)).tolist() if b < end), end]
    pieces: list[list[SimulationResult]] = [[] for _ in sleeves]
    states: list[PortfolioState | None] = [None for _ in sleeves]
    for lo, hi in itertools.pairwise(bounds):
        inflows = [0.0 for _ in sleeves]
        if lo > begin:
            values = [
                float(np.nansum(st.shares * closes[k][lo])) + st.cash
                for k, st in enumerate(_known(states))
            ]
            total = sum(values)
            inflows = [s.allocation * total - v for s, v in zip(sleeves, values, strict=True)]
        for k, (m, sleeve) in enumerate(zip(matrices, sleeves, strict=True)):
            sim = simulate(
                history.dates,
                m.tickers,
                closes[k],
                m.weights,
                m.defined,
                policy=policies[k],
                costs=config.costs,
                capital=config.capital * sleeve.allocation,
                start=lo,
                stop=hi,
                initial=states[k],
                inflow=inflows[k],
                force_first=lo > begin,
            )
            pieces[k].append(sim)
            states[k] = sim.final
    return [_concatenate(p) for p in pieces]


def _known(states: list[PortfolioState | None]) -> list[PortfolioState]:
    return [s for s in states if s is not None]


def _concatenate(parts: Sequence[SimulationResult]) -> SimulationResult:
    if len(parts) == 1:
        return parts[0]
    return SimulationResult(
        dates=np.concatenate([p.dates for p in parts]),
        tickers=parts[0].tickers,
        equity=np.concatenate([p.equity for p in parts]),
        weights=np.concatenate([p.weights for p in parts]),
        trades=np.concatenate([p.trades for p in parts]),
        costs=np.concatenate([p.costs for p in parts]),
        rebalanced=np.concatenate([p.rebalanced for p in parts]),
        undefined_days=sum(p.undefined_days for p in parts),
        final=parts[-1].final,
    )


def _combine(
    *,
    history: PriceHistory,
    sleeves: Sequence[SleeveInput],
    sims: Sequence[SimulationResult],
    matrices: Sequence[AllocationMatrix],
    config: BacktestConfig,
    begin: int,
    first: int,
    bench_close: FloatArray | None,
    notes: tuple[str, ...],
) -> BacktestResult:
    dates = history.dates[begin:]
    equity = np.sum([s.equity for s in sims], axis=0)
    tickers = tuple(sorted(set().union(*(m.tickers for m in matrices))))
    column = {t: i for i, t in enumerate(tickers)}
    held_value = np.zeros((len(dates), len(tickers)))
    traded = np.zeros(len(dates))
    for sim in sims:
        cols = [column[t] for t in sim.tickers]
        held_value[:, cols] += sim.weights * sim.equity[:, None]
        traded += np.abs(sim.trades).sum(axis=1)
    weights = held_value / equity[:, None]
    years = max(len(dates) - 1, 1) / SESSIONS_PER_YEAR
    turnover = float((traded[1:] / 2 / equity[1:]).sum() / years)
    breakdown = np.sum([s.costs.sum(axis=0) for s in sims], axis=0)
    results = tuple(
        SleeveResult(
            name=s.name,
            symphony=s.symphony.name,
            allocation=s.allocation,
            policy=_policy(s, config),
            first_defined=_first_defined(m),
            simulation=sim,
            metrics=compute_metrics(sim.equity, bench_close),
        )
        for s, sim, m in zip(sleeves, sims, matrices, strict=True)
    )
    undefined = sum(sim.undefined_days for sim in sims)
    if undefined:
        notes = (
            *notes,
            f"{undefined} sleeve-session(s) after the start were undefined; holdings drifted",
        )
    return BacktestResult(
        dates=dates,
        equity=equity,
        tickers=tickers,
        weights=weights,
        sleeves=results,
        metrics=compute_metrics(equity, bench_close),
        benchmark=config.benchmark if bench_close is not None else None,
        benchmark_close=bench_close,
        first_defined=to_date(history.dates[first]),
        warmup_sessions=first,
        capital=config.capital,
        costs=float(breakdown.sum()),
        cost_breakdown={
            "slippage": float(breakdown[0]),
            "sec_fee": float(breakdown[1]),
            "finra_taf": float(breakdown[2]),
        },
        traded_value=float(traded.sum()),
        turnover=turnover,
        source=history.source,
        synthetic=history.synthetic,
        notes=notes,
    )


def _first_defined(matrix: AllocationMatrix) -> dt.date:
    first = matrix.first_defined
    assert first is not None  # checked by _start_index
    return first
