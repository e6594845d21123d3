"""The risk pipeline over a backtest (SPEC §14): the same rules as `trade`, on every session.

The stateless target rules (deny/allow, per-ticker, inverse/volatility, exposure, cash reserve)
run vectorised on the blended (sessions × tickers) target, which is exactly what the live cycle
would blend on that day; the factors are applied to each sleeve's own weights, so attribution
scales with its ticker. A blocking rule stops that session's trading (holdings drift).

The drawdown breaker and the daily loss limit depend on the path, but only through the first
time they trip: the run is simulated once with the target rules, the first tripping session is
found from its equity, and the rest is simulated again from that session in cash (`scale`) or
without trading (`block`). There is no resume in a backtest: a halt lasts to the end.

Turnover and the order rules act on the live account's orders and are not simulated: the
backtest trades at the close (no price band to miss) in fractional shares; the result says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alchemiser.domain.backtest.simulation import FloatArray, SimulationResult
from alchemiser.domain.market.price_history import DateArray, to_date
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import Intervention, RiskAction, RiskTarget
from alchemiser.domain.risk.pipeline import RiskPipeline
from alchemiser.domain.symphony.allocation import AllocationMatrix

NOT_SIMULATED = ("max_turnover", "limit_band", "max_order_notional", "max_orders_per_run")


@dataclass(frozen=True, slots=True)
class DatedIntervention:
    day: dt.date
    intervention: Intervention

    def as_dict(self) -> dict[str, object]:
        return {"date": self.day.isoformat(), **self.intervention.as_dict()}


@dataclass(frozen=True, slots=True)
class RiskedMatrices:
    matrices: list[AllocationMatrix]
    interventions: list[DatedIntervention]


def apply_target_rules(
    pipeline: RiskPipeline,
    matrices: Sequence[AllocationMatrix],
    names: Sequence[str],
    allocations: Sequence[float],
    begin: int,
) -> RiskedMatrices:
    tickers = tuple(sorted(set().union(*(m.tickers for m in matrices))))
    column = {t: i for i, t in enumerate(tickers)}
    blended = np.zeros((len(matrices[0].dates), len(tickers)))
    for matrix, allocation in zip(matrices, allocations, strict=True):
        cols = [column[t] for t in matrix.tickers]
        rows = np.where(matrix.defined[:, None], np.nan_to_num(matrix.weights), 0.0)
        blended[:, cols] += allocation * rows
    factors, blocked = pipeline.factors_matrix(blended, tickers)
    factors[:begin] = 1.0
    blocked[:begin] = False
    adjusted = []
    for matrix in matrices:
        cols = [column[t] for t in matrix.tickers]
        adjusted.append(
            AllocationMatrix(
                dates=matrix.dates,
                tickers=matrix.tickers,
                weights=matrix.weights * factors[:, cols],
                defined=matrix.defined & ~blocked,
            )
        )
    found: list[DatedIntervention] = []
    touched = np.flatnonzero((factors < 1.0).any(axis=1) | blocked)
    for row in touched:
        attribution: dict[str, dict[str, float]] = {}
        for name, matrix, allocation in zip(names, matrices, allocations, strict=True):
            if not matrix.defined[row]:
                continue
            for j, ticker in enumerate(matrix.tickers):
                weight = float(matrix.weights[row, j])
                if weight > 0:
                    attribution.setdefault(ticker, {})[name] = allocation * weight
        day = to_date(matrices[0].dates[row])
        outcome = pipeline.apply(RiskTarget.of(attribution))
        found += [DatedIntervention(day, i) for i in outcome.interventions]
    return RiskedMatrices(adjusted, found)


@dataclass(frozen=True, slots=True)
class Trip:
    index: int
    """Position in the history's sessions of the first session acted on."""
    rule: str
    action: RiskAction
    intervention: DatedIntervention


def first_trip(
    limits: RiskLimits,
    sims: Sequence[SimulationResult],
    dates: DateArray,
    begin: int,
) -> Trip | None:
    """The first session whose pre-trade equity breaches the drawdown or daily loss limit
    (compared with the end-of-session equities before it, as the live breaker compares the
    account now with the ledger's end-of-run equity)."""
    equity: FloatArray = np.sum([s.equity for s in sims], axis=0)
    pre_trade: FloatArray = equity + np.sum([s.costs.sum(axis=1) for s in sims], axis=0)
    candidates: list[tuple[int, str, float, float]] = []
    if limits.max_drawdown is not None and len(equity) > 1:
        mark = np.maximum(np.maximum.accumulate(equity)[:-1], pre_trade[1:])
        drawdown = 1.0 - pre_trade[1:] / mark
        hits = np.flatnonzero(drawdown > limits.max_drawdown)
        if len(hits):
            k = int(hits[0]) + 1
            candidates.append((k, "drawdown_breaker", float(drawdown[k - 1]), float(mark[k - 1])))
    if limits.daily_loss_limit is not None and len(equity) > 1:
        loss = 1.0 - pre_trade[1:] / equity[:-1]
        hits = np.flatnonzero(loss > limits.daily_loss_limit)
        if len(hits):
            k = int(hits[0]) + 1
            candidates.append((k, "daily_loss_limit", float(loss[k - 1]), float(equity[k - 1])))
    if not candidates:
        return None
    k, rule, measure, reference = min(candidates)
    action = limits.action(rule)
    limit = limits.max_drawdown if rule == "drawdown_breaker" else limits.daily_loss_limit
    what = "high-water mark" if rule == "drawdown_breaker" else "previous session's equity"
    verb = "everything to cash" if action is RiskAction.SCALE else "no more trading"
    reason = (
        f"equity {pre_trade[k]:,.2f} is {measure:.2%} below its {what} {reference:,.2f} "
        f"(limit {limit:.2%}): {verb}; halted for the rest of the backtest"
    )
    day = to_date(dates[k])
    return Trip(
        index=begin + k,
        rule=rule,
        action=action,
        intervention=DatedIntervention(day, Intervention(rule, None, measure, 0.0, action, reason)),
    )


def halted_matrices(matrices: Sequence[AllocationMatrix], trip: Trip) -> list[AllocationMatrix]:
    """From the tripping session on: all cash (scale) or no trading at all (block)."""
    out = []
    for matrix in matrices:
        weights = matrix.weights.copy()
        defined = matrix.defined.copy()
        if trip.action is RiskAction.SCALE:
            weights[trip.index :] = 0.0
            defined[trip.index :] = True
        else:
            defined[trip.index :] = False
        out.append(AllocationMatrix(matrix.dates, matrix.tickers, weights, defined))
    return out
