"""Parity: the replay's equity beside the backtest of the same portfolio, dates and costs.

The backtest here is the portfolio-level one the live cycle trades: every session the account
goes back to the blend of the sleeves' targets (Σ allocation × sleeve weights), at the close,
with the cost model. (The `backtest` command's default lets sleeves drift apart; the live
cycle re-blends daily, so that would compare two different strategies.)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np

from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.replay.progress import SessionRecord
from alchemiser.application.results.replay import (
    DifferingDay,
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


def blended_backtest(
    portfolio: PortfolioSpec,
    load_symphony: Callable[[str], Symphony],
    source: MarketDataSource,
    sessions: Sequence[dt.date],
    *,
    capital: float,
    costs: CostModel,
) -> SimulationResult:
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
    return simulate(
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


def parity_report(
    records: Sequence[SessionRecord],
    backtest: SimulationResult,
    *,
    source: str,
    costs: CostModel,
    capital: float,
    non_fractionable: frozenset[str] = frozenset(),
    cash_reserve: float = 0.0,
) -> ParityReport:
    if not records:
        raise DataError("nothing was replayed: no session to compare", context={})
    days = [as_day(r.session) for r in records]
    index = {d: i for i, d in enumerate(backtest.dates)}
    missing = [to_date(d) for d in days if d not in index]
    if missing:
        raise DataError(f"the backtest has no session {missing[0]}", context={})
    rows = [index[d] for d in days]
    bt_equity = backtest.equity[rows]
    rp_equity = np.array([r.equity for r in records])
    diff = _returns(rp_equity, capital) - _returns(bt_equity, capital)
    fill_bp = float(sum(r.fill_cost / r.equity for r in records if r.equity > 0) * 1e4)
    log_gap = float(math.log(rp_equity[-1] / bt_equity[-1]) * 1e4)
    figures = ParityFigures(
        fills_off_close_bp=fill_bp,
        unexplained_bp=log_gap + fill_bp,
        final_equity_gap_bp=float((rp_equity[-1] / bt_equity[-1] - 1) * 1e4),
        tracking_error_bp=float(np.std(diff) * math.sqrt(SESSIONS_PER_YEAR) * 1e4),
        tracking_mean_bp=float(np.mean(diff) * 1e4),
        tracking_max_bp=float(np.max(np.abs(diff)) * 1e4),
    )
    differing = _differing_days(
        records, backtest, rows, non_fractionable=non_fractionable, cash_reserve=cash_reserve
    )
    reasons: dict[str, int] = {}
    for day in differing:
        for reason in day.reasons:
            reasons[reason] = reasons.get(reason, 0) + 1
    years = max(len(records) - 1, 1) / SESSIONS_PER_YEAR
    bt_traded = np.abs(backtest.trades[rows]).sum(axis=1)
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


def _differing_days(
    records: Sequence[SessionRecord],
    backtest: SimulationResult,
    rows: Sequence[int],
    *,
    non_fractionable: frozenset[str],
    cash_reserve: float,
) -> list[DifferingDay]:
    """Sessions whose holdings after the close differ, and the likely cause of each.

    Causes are read off the day: a failed run; a non-fractionable ticker (whole-share
    rounding); a target the replay could not hold at all (its quantity rounds to zero); cash
    above the reserve (a buy sized under the buying-power buffer, or not
    filled); cash reserve; otherwise trades the planner skipped as below its minimum drift or
    order value, and fill prices away from the close, accumulated since the last full trade.
    """
    out: list[DifferingDay] = []
    tickers = backtest.tickers
    for record, row in zip(records, rows, strict=True):
        equity = record.equity
        held = {t: v / equity for t, v in record.values.items()} if equity > 0 else {}
        bt = {t: float(backtest.weights[row, j]) for j, t in enumerate(tickers)}
        gaps = {t: abs(held.get(t, 0.0) - bt.get(t, 0.0)) for t in sorted(set(held) | set(bt))}
        off = sorted(t for t, g in gaps.items() if g > HOLDING_TOLERANCE)
        if not off:
            continue
        reasons = []
        if record.status != "completed" or record.errors:
            reasons.append("run error")
        if any(t in non_fractionable for t in off):
            reasons.append("whole-share rounding")
        if any(held.get(t, 0.0) == 0.0 and bt.get(t, 0.0) > HOLDING_TOLERANCE for t in off):
            reasons.append("quantity below the share step (price too high; rounds to zero)")
        cash_weight = record.cash / equity if equity > 0 else 0.0
        if cash_reserve > 0:
            reasons.append("cash reserve")
        if cash_weight > cash_reserve + HOLDING_TOLERANCE:
            reasons.append("cash left by buy sizing (buying-power buffer, top-up, unfilled buy)")
        if not reasons:
            reasons.append("skipped small trades (min drift / min order) and fills off the close")
        out.append(
            DifferingDay(
                session=record.session,
                max_weight_gap=max(gaps[t] for t in off),
                tickers=off,
                reasons=reasons,
            )
        )
    return out
