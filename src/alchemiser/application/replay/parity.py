"""Parity: the replay's equity beside the backtest of the same portfolio, dates and costs.

The backtest here is the portfolio-level one the live cycle trades: every session the account
goes back to the blend of the sleeves' targets (Σ allocation × sleeve weights), at the close,
with the cost model. (The `backtest` command's default lets sleeves drift apart; the live
cycle re-blends daily, so that would compare two different strategies.)

The gap is reconciled line by line. Both paths start from the same capital, so the log gap
ln(replay / backtest) at the end is the sum over sessions of the daily log-return difference.
Each day's simple return difference splits exactly into
- holdings: Σ_i (w_replay,i − w_backtest,i) × r_i over the tickers, the weights held after the
  previous close and r_i each ticker's close-to-close return; each ticker's weight gap is
  given to the cause read off that previous session's run (see `_causes`);
- the replay's fills against the close (sell/buy phases, and the top-up phase apart);
- the backtest's modelled costs (slippage, fees);
- a residual (the replay marks its positions at the quote mid, the backtest at the close).
The daily log difference is shared among them in proportion (so the lines sum to the log gap
exactly), and the lines are scaled once from the log gap to the final equity gap in bp.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from alchemiser.application.ports.ledger import RunDetail
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.replay.progress import SessionRecord
from alchemiser.application.results.replay import (
    DifferingDay,
    GapLine,
    ParityFigures,
    ParityReport,
    RunWithErrors,
)
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.domain.backtest.metrics import SESSIONS_PER_YEAR
from alchemiser.domain.backtest.rebalancing import RebalanceKind, RebalancePolicy
from alchemiser.domain.backtest.simulation import SimulationResult, simulate
from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import as_day, to_date
from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.symphony.evaluator import evaluate, required_tickers
from alchemiser.domain.symphony.tree import Symphony

HOLDING_TOLERANCE = 0.005
"""Weights closer than half a percentage point count as the same holdings."""

MEASURABLE_BP = 1e-4
"""A day counts towards a line when it moved the return difference by more than this (bp)."""

RunDetails = Callable[[str], RunDetail | None]
"""run id → everything the replay's ledger recorded for that run (plan, fills, events)."""

# The causes of a gap, in the order of the reconciliation table (key → label).
ERRORS = "errors"
RISK = "risk"
SHARE_ROUNDING = "share_rounding"
THRESHOLDS = "thresholds"
CASH_RESERVE = "cash_reserve"
CASH_BUFFER = "cash_buffer"
LIMIT_FILLS = "limit_fills"
TOP_UP = "top_up"
CROSSING = "crossing"
BACKTEST_COSTS = "backtest_costs"
OTHER_HOLDINGS = "other_holdings"
RESIDUAL = "residual"
CAUSES: dict[str, str] = {
    BACKTEST_COSTS: "the backtest's modelled costs (slippage, fees)",
    LIMIT_FILLS: "limit fills away from the close (sell and buy phases)",
    TOP_UP: "top-up fills away from the close",
    CROSSING: "internal crossing (sleeves netting inside the account)",
    SHARE_ROUNDING: "whole-share rounding (and quantities below one share step)",
    THRESHOLDS: "trade thresholds (min drift, min order value)",
    CASH_RESERVE: "cash reserve",
    CASH_BUFFER: "cash buffer (buying power held back, buys short or unfilled)",
    RISK: "risk interventions",
    ERRORS: "runs with errors",
    OTHER_HOLDINGS: "other holdings differences (share step, partial fills)",
    RESIDUAL: "residual (marks at the quote mid vs the close)",
}


@dataclass(frozen=True, slots=True)
class BlendedBacktest:
    """The blended backtest and the closes it traded at (rows = sessions of `simulation`)."""

    simulation: SimulationResult
    close: np.ndarray


def blended_backtest(
    portfolio: PortfolioSpec,
    load_symphony: Callable[[str], Symphony],
    source: MarketDataSource,
    sessions: Sequence[dt.date],
    *,
    capital: float,
    costs: CostModel,
) -> BlendedBacktest:
    """The daily re-blended portfolio traded at each close over `sessions` (history from the
    source's first date, as the replay's signals)."""
    symphonies = [load_symphony(s.symphony) for s in portfolio.sleeves]
    tickers = tuple(sorted(set().union(*(required_tickers(s) for s in symphonies))))
    history = source.history(list(tickers), None, sessions[-1])
    column = {t: i for i, t in enumerate(history.tickers)}
    weights = np.zeros((len(history), len(history.tickers)))
    defined = np.ones(len(history), dtype=bool)
    for sleeve, symphony in zip(portfolio.sleeves, symphonies, strict=True):
        matrix = evaluate(symphony, history)
        cols = [column[t] for t in matrix.tickers]
        weights[:, cols] += sleeve.allocation * matrix.weights
        defined &= matrix.defined
    first = int(np.searchsorted(history.dates, as_day(sessions[0])))
    if first >= len(history) or history.dates[first] != as_day(sessions[0]):
        raise DataError(
            f"{source.name} has no bar on {sessions[0]}", context={"source": source.name}
        )
    simulation = simulate(
        history.dates,
        history.tickers,
        history.close,
        weights,
        defined,
        policy=RebalancePolicy(RebalanceKind.DAILY),
        costs=costs,
        capital=capital,
        start=first,
        force_first=True,
    )
    return BlendedBacktest(simulation, np.asarray(history.close[first:], dtype=np.float64))


@dataclass(slots=True)
class _Day:
    """What one replayed run did, read from its ledger record."""

    fill_cost: dict[str, float] = field(default_factory=dict)
    """Phase (sell, buy, topup) → Σ ±qty × (fill − close), in dollars (> 0 costs the replay)."""
    skipped: set[str] = field(default_factory=set)
    rounded: set[str] = field(default_factory=set)
    bought: set[str] = field(default_factory=set)
    risk: bool = False
    crossed: float = 0.0


def parity_report(
    records: Sequence[SessionRecord],
    backtest: BlendedBacktest,
    *,
    source: str,
    costs: CostModel,
    capital: float,
    details: RunDetails | None = None,
    non_fractionable: frozenset[str] = frozenset(),
    cash_reserve: float = 0.0,
) -> ParityReport:
    if not records:
        raise DataError("nothing was replayed: no session to compare", context={})
    sim = backtest.simulation
    days = [as_day(r.session) for r in records]
    index = {d: i for i, d in enumerate(sim.dates)}
    missing = [to_date(d) for d in days if d not in index]
    if missing:
        raise DataError(f"the backtest has no session {missing[0]}", context={})
    rows = [index[d] for d in days]
    bt_equity = sim.equity[rows]
    rp_equity = np.array([r.equity for r in records])
    diff = _returns(rp_equity, capital) - _returns(bt_equity, capital)
    column = {t: j for j, t in enumerate(sim.tickers)}
    runs = [
        _read_run(details(r.run_id) if details else None, backtest.close[row], column)
        for r, row in zip(records, rows, strict=True)
    ]
    lines, per_day, splits = _reconcile(
        records,
        runs,
        backtest,
        rows,
        capital=capital,
        non_fractionable=non_fractionable,
        cash_reserve=cash_reserve,
    )
    gap_bp = float((rp_equity[-1] / bt_equity[-1] - 1) * 1e4)
    fills = lines[LIMIT_FILLS] + lines[TOP_UP]
    figures = ParityFigures(
        fills_off_close_bp=-fills,
        unexplained_bp=lines[RESIDUAL] + lines[OTHER_HOLDINGS],
        final_equity_gap_bp=gap_bp,
        tracking_error_bp=float(np.std(diff) * math.sqrt(SESSIONS_PER_YEAR) * 1e4),
        tracking_mean_bp=float(np.mean(diff) * 1e4),
        tracking_max_bp=float(np.max(np.abs(diff)) * 1e4),
    )
    crossed = sum(run.crossed for run in runs)
    reconciliation = [
        GapLine(
            cause=key,
            label=label,
            bp=lines[key],
            days=sum(1 for day in per_day if abs(day.get(key, 0.0)) > MEASURABLE_BP),
            value=crossed if key == CROSSING else None,
        )
        for key, label in CAUSES.items()
    ]
    differing = _differing_days(records, backtest.simulation, rows, per_day, splits)
    reasons: dict[str, int] = {}
    for day in differing:
        for reason in day.reasons:
            reasons[reason] = reasons.get(reason, 0) + 1
    years = max(len(records) - 1, 1) / SESSIONS_PER_YEAR
    bt_traded = np.abs(sim.trades[rows]).sum(axis=1)
    rp_traded = np.array([r.traded_value for r in records])
    return ParityReport(
        start=records[0].session,
        end=records[-1].session,
        sessions=len(records),
        source=source,
        slippage_bps=costs.slippage_bps,
        fees=costs.fees,
        replay_final_equity=float(rp_equity[-1]),
        backtest_final_equity=float(bt_equity[-1]),
        parity=figures,
        reconciliation=reconciliation,
        turnover={
            "replay": float((rp_traded[1:] / 2 / rp_equity[1:]).sum() / years),
            "backtest": float((bt_traded[1:] / 2 / bt_equity[1:]).sum() / years),
        },
        differing_days=differing,
        reasons=reasons,
        runs_with_errors=[
            RunWithErrors(session=r.session, run_id=r.run_id, status=r.status, errors=r.errors)
            for r in records
            if r.errors or r.status != "completed"
        ],
        equity={"replay": rp_equity.tolist(), "backtest": bt_equity.tolist()},
    )


def _returns(equity: np.ndarray, capital: float) -> np.ndarray:
    """Daily returns, the first one from the starting capital (it carries the entry costs)."""
    previous = np.concatenate([[capital], equity[:-1]])
    result: np.ndarray = equity / previous - 1
    return result


def _read_run(detail: RunDetail | None, close: np.ndarray, column: Mapping[str, int]) -> _Day:
    """Fill costs against the close by phase, the planner's skips, the buys, risk, crossing."""
    day = _Day()
    if detail is None:
        return day
    for fill in detail.fills:
        j = column.get(fill.symbol)
        if j is None or not math.isfinite(close[j]):
            continue
        sign = 1.0 if fill.side == "buy" else -1.0
        cost = sign * float(fill.qty) * (float(fill.price) - float(close[j]))
        day.fill_cost[fill.phase] = day.fill_cost.get(fill.phase, 0.0) + cost
        if fill.side == "buy":
            day.bought.add(fill.symbol)
    for planned in detail.plan:
        if planned.side == "buy":
            day.bought.add(planned.symbol)
    for event in detail.events:
        if event.step == "risk":
            day.risk = True
        if event.step == "plan" and isinstance(event.data, Mapping):
            for symbol, reason in event.data.get("skipped", []):
                if reason == "rounds_to_zero_shares":
                    day.rounded.add(str(symbol))
                else:
                    day.skipped.add(str(symbol))
    day.crossed = (
        sum(abs(float(t.qty * t.price)) for t in detail.sleeve_trades if t.kind == "cross") / 2
    )
    return day


def _causes(
    record: SessionRecord,
    run: _Day,
    gaps: Mapping[str, float],
    target: Mapping[str, float],
    *,
    non_fractionable: frozenset[str],
    cash_reserve: float,
) -> dict[str, dict[str, float]]:
    """Each ticker's weight gap (replay − backtest) after a session, split by cause.

    In order: a failed run explains all of it; a risk intervention that day changed the target
    itself; a non-fractionable ticker (or one whose quantity rounds to zero) is whole-share
    rounding; a trade the planner skipped is a threshold; then the configured cash reserve
    (the planner aims at (1 − reserve) × target); a ticker bought that day and still short of
    it is the cash buffer (buys sized under the buying-power buffer, scaled or not filled);
    what is left is other (share step, partial fills)."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    failed = record.status != "completed" or bool(record.errors)
    for ticker, gap in gaps.items():
        if failed:
            out[ticker][ERRORS] = gap
            continue
        if run.risk:
            out[ticker][RISK] = gap
            continue
        if ticker in non_fractionable or ticker in run.rounded:
            out[ticker][SHARE_ROUNDING] = gap
            continue
        if ticker in run.skipped:
            out[ticker][THRESHOLDS] = gap
            continue
        left = gap
        reserve = -cash_reserve * target.get(ticker, 0.0)
        if reserve:
            out[ticker][CASH_RESERVE] = reserve
            left -= reserve
        if ticker in run.bought and left < 0:
            out[ticker][CASH_BUFFER] = left
        elif left:
            out[ticker][OTHER_HOLDINGS] = left
    return out


def _reconcile(
    records: Sequence[SessionRecord],
    runs: Sequence[_Day],
    backtest: BlendedBacktest,
    rows: Sequence[int],
    *,
    capital: float,
    non_fractionable: frozenset[str],
    cash_reserve: float,
) -> tuple[dict[str, float], list[dict[str, float]], list[dict[str, dict[str, float]]]]:
    """The gap by cause (bp of final equity, summing to the final equity gap), each session's
    contributions (bp, log-linked, unscaled) and each session's weight gaps split by cause."""
    sim = backtest.simulation
    tickers = sim.tickers
    column = {t: j for j, t in enumerate(tickers)}
    per_day: list[dict[str, float]] = []
    splits: list[dict[str, dict[str, float]]] = []
    totals: dict[str, float] = dict.fromkeys(CAUSES, 0.0)
    rp_prev, bt_prev = capital, capital
    for k, (record, run, row) in enumerate(zip(records, runs, rows, strict=True)):
        close = backtest.close[row]
        terms: dict[str, float] = defaultdict(float)
        if k > 0:  # the previous session's holdings, over this session's close-to-close move
            before = backtest.close[rows[k - 1]]
            for ticker, causes in splits[-1].items():
                j = column.get(ticker)
                move = float(close[j] / before[j] - 1) if j is not None else math.nan
                if not math.isfinite(move):
                    continue  # no price to move it: left in the residual
                for cause, weight in causes.items():
                    terms[cause] += weight * move
        for phase, cost in run.fill_cost.items():
            terms[TOP_UP if phase == "topup" else LIMIT_FILLS] -= cost / rp_prev
        terms[BACKTEST_COSTS] += float(sim.costs[row].sum()) / bt_prev
        r_rp = record.equity / rp_prev - 1
        r_bt = float(sim.equity[row]) / bt_prev - 1
        terms[RESIDUAL] += (r_rp - r_bt) - sum(terms.values())
        simple = r_rp - r_bt
        log_diff = math.log1p(r_rp) - math.log1p(r_bt)
        link = log_diff / simple if abs(simple) > 1e-12 else 1 / (1 + r_bt)
        day = {cause: value * link * 1e4 for cause, value in terms.items() if value}
        per_day.append(day)
        for cause, value in day.items():
            totals[cause] += value
        equity = record.equity
        held = {t: v / equity for t, v in record.values.items()} if equity > 0 else {}
        target = {t: float(sim.weights[row, j]) for j, t in enumerate(tickers)}
        gaps = {t: held.get(t, 0.0) - target.get(t, 0.0) for t in set(held) | set(target)}
        splits.append(
            _causes(
                record,
                run,
                {t: g for t, g in sorted(gaps.items()) if g},
                target,
                non_fractionable=non_fractionable,
                cash_reserve=cash_reserve,
            )
        )
        rp_prev, bt_prev = record.equity, float(sim.equity[row])
    log_gap = sum(totals.values())
    final_gap = math.expm1(log_gap / 1e4) * 1e4
    scale = final_gap / log_gap if abs(log_gap) > 1e-12 else 1.0
    return {cause: value * scale for cause, value in totals.items()}, per_day, splits


def _differing_days(
    records: Sequence[SessionRecord],
    backtest: SimulationResult,
    rows: Sequence[int],
    per_day: Sequence[dict[str, float]],
    splits: Sequence[dict[str, dict[str, float]]],
) -> list[DifferingDay]:
    """Sessions whose holdings after the close differ by more than the tolerance, each with the
    causes of its tickers' gaps (the reconciliation's split: a cause counts when it is at least
    a tenth of a differing ticker's gap) and what those holdings made of the next session's
    return difference, cause by cause (bp)."""
    out: list[DifferingDay] = []
    tickers = backtest.tickers
    for k, (record, row) in enumerate(zip(records, rows, strict=True)):
        equity = record.equity
        held = {t: v / equity for t, v in record.values.items()} if equity > 0 else {}
        bt = {t: float(backtest.weights[row, j]) for j, t in enumerate(tickers)}
        gaps = {t: held.get(t, 0.0) - bt.get(t, 0.0) for t in sorted(set(held) | set(bt))}
        off = [t for t, g in gaps.items() if abs(g) > HOLDING_TOLERANCE]
        if not off:
            continue
        found = {
            cause
            for t in off
            for cause, weight in splits[k].get(t, {}).items()
            if abs(weight) >= abs(gaps[t]) / 10
        }
        following = per_day[k + 1] if k + 1 < len(per_day) else {}
        out.append(
            DifferingDay(
                session=record.session,
                max_weight_gap=max(abs(gaps[t]) for t in off),
                tickers=off,
                reasons=[label for cause, label in CAUSES.items() if cause in found],
                next_session_bp={
                    CAUSES[c]: v for c, v in following.items() if c in _HOLDING_CAUSES
                },
            )
        )
    return out


_HOLDING_CAUSES = frozenset(
    {ERRORS, RISK, SHARE_ROUNDING, THRESHOLDS, CASH_RESERVE, CASH_BUFFER, OTHER_HOLDINGS}
)
