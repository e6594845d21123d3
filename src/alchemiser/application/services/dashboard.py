"""The dashboard's own use cases: the Overview (the account now, its equity curve with drawdown,
the newest target against the holdings, each sleeve's value and P&L) and the Sleeves page (each
sleeve's allocation over time, the path it took through its symphony day by day, its share of
the P&L). Everything shown is computed here; the pages only render these results."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from alchemiser.application.ports.portfolio_history import (
    AccountPoint,
    PortfolioHistory,
    SignalPoint,
    TargetPoint,
)
from alchemiser.application.results.account import SleeveBookView
from alchemiser.application.results.dashboard import (
    AllocationSeriesView,
    DecisionSpanView,
    DriftLineView,
    EquityPointView,
    OverviewResult,
    SleeveHistoryView,
    SleevesResult,
    SleeveValueView,
)
from alchemiser.application.results.status import StatusResult


class DashboardService:
    """Keeps what it derived from the ledger's history until the history's revision changes
    (at most once per run): five years of daily runs are parsed once, not on every page load."""

    def __init__(self, history: PortfolioHistory) -> None:
        self._history = history
        self._lock = threading.Lock()
        self._curves: dict[str, tuple[str, list[EquityPointView], TargetPoint | None]] = {}
        self._sleeves: dict[str, tuple[str, list[SleeveHistoryView]]] = {}

    def overview(self, status: StatusResult) -> OverviewResult:
        curve, target = self._curve(status.broker)
        return OverviewResult(
            status=status,
            equity_curve=curve,
            max_drawdown=min((p.drawdown for p in curve), default=None),
            target_run_id=None if target is None else target.run_id,
            target_day=None if target is None else target.day,
            drift=drift_lines({} if target is None else target.weights, status),
            sleeves=sleeve_values(status.sleeve_books),
        )

    def sleeves(self, status: StatusResult) -> SleevesResult:
        values = {v.sleeve: v for v in sleeve_values(status.sleeve_books)}
        histories = self._sleeve_histories(status.broker)
        views = [h.model_copy(update={"pnl": values.get(h.sleeve)}) for h in histories]
        by_sleeve = {h.sleeve for h in histories}
        views += [
            SleeveHistoryView(
                sleeve=name,
                allocation=0.0,
                allocation_history=AllocationSeriesView(days=[], weights={}),
                decisions=[],
                pnl=value,
            )
            for name, value in values.items()
            if name not in by_sleeve
        ]
        return SleevesResult(sleeves=views)

    def _curve(self, broker: str) -> tuple[list[EquityPointView], TargetPoint | None]:
        revision = self._history.revision(broker)
        with self._lock:
            kept = self._curves.get(broker)
            if kept is None or kept[0] != revision:
                curve = equity_curve(self._history.account_curve(broker))
                kept = (revision, curve, self._history.latest_target(broker))
                self._curves[broker] = kept
        return kept[1], kept[2]

    def _sleeve_histories(self, broker: str) -> list[SleeveHistoryView]:
        revision = self._history.revision(broker)
        with self._lock:
            kept = self._sleeves.get(broker)
            if kept is None or kept[0] != revision:
                by_sleeve: dict[str, list[SignalPoint]] = {}
                for point in self._history.signal_history(broker):
                    by_sleeve.setdefault(point.sleeve, []).append(point)
                views = [
                    SleeveHistoryView(
                        sleeve=sleeve,
                        allocation=points[-1].allocation,
                        allocation_history=allocation_series(points),
                        decisions=decision_spans(points),
                        pnl=None,
                    )
                    for sleeve, points in by_sleeve.items()
                ]
                kept = (revision, views)
                self._sleeves[broker] = kept
        return kept[1]


def equity_curve(points: Iterable[AccountPoint]) -> list[EquityPointView]:
    """One point per trading day (its last run), with the drawdown from the running peak."""
    last_of_day: dict[dt.date, AccountPoint] = {}
    for point in points:
        last_of_day.pop(point.day, None)  # re-insert: a later run moves the day to the end
        last_of_day[point.day] = point
    curve: list[EquityPointView] = []
    peak = Decimal(0)
    for point in sorted(last_of_day.values(), key=lambda p: p.day):
        peak = max(peak, point.equity)
        drawdown = float(point.equity / peak - 1) if peak > 0 else 0.0
        curve.append(
            EquityPointView(
                day=point.day,
                run_id=point.run_id,
                equity=point.equity,
                cash=point.cash,
                drawdown=drawdown,
            )
        )
    return curve


def drift_lines(target: Mapping[str, float], status: StatusResult) -> list[DriftLineView]:
    held = {p.symbol: p.weight or 0.0 for p in status.account.positions}
    lines = [
        DriftLineView(
            symbol=symbol,
            target=target.get(symbol, 0.0),
            held=held.get(symbol, 0.0),
            drift=held.get(symbol, 0.0) - target.get(symbol, 0.0),
        )
        for symbol in sorted(set(target) | set(held))
    ]
    return sorted(lines, key=lambda line: -abs(line.drift))


def sleeve_values(books: Sequence[SleeveBookView]) -> list[SleeveValueView]:
    totals = {b.sleeve: b.realized_pnl + b.unrealized_pnl for b in books}
    whole = sum(totals.values(), Decimal(0))
    views = []
    for book in books:
        values = [h.market_value for h in book.holdings]
        priced = [v for v in values if v is not None]
        views.append(
            SleeveValueView(
                sleeve=book.sleeve,
                value=sum(priced, Decimal(0)) if len(priced) == len(values) else None,
                realized_pnl=book.realized_pnl,
                unrealized_pnl=book.unrealized_pnl,
                total_pnl=totals[book.sleeve],
                pnl_share=float(totals[book.sleeve] / whole) if whole else None,
            )
        )
    return views


def _last_of_each_day(points: Sequence[SignalPoint]) -> list[SignalPoint]:
    days: dict[dt.date, SignalPoint] = {}
    for point in points:
        days.pop(point.day, None)
        days[point.day] = point
    return sorted(days.values(), key=lambda p: p.day)


def allocation_series(points: Sequence[SignalPoint]) -> AllocationSeriesView:
    daily = _last_of_each_day(points)
    weight_sum: dict[str, float] = {}
    for point in daily:
        for symbol, weight in point.weights.items():
            weight_sum[symbol] = weight_sum.get(symbol, 0.0) + weight
    symbols = sorted(weight_sum, key=lambda s: (-weight_sum[s], s))  # most held first
    return AllocationSeriesView(
        days=[p.day for p in daily],
        weights={s: [float(p.weights.get(s, 0.0)) for p in daily] for s in symbols},
    )


def decision_path(point: SignalPoint) -> list[str]:
    """The decisions recorded in the sleeve's explanation: each `if` with the branch taken and
    each filter with what it picked (groups, weights and assets are not decisions)."""
    if not point.ok:
        return ["no signal (the sleeve failed)"]
    path: list[str] = []
    for step in point.explanation:
        details: Mapping[str, Any] = step.get("details") or {}
        if step.get("kind") == "if" and "condition" in details:
            path.append(f"{details['condition']} → {details.get('branch', '?')}")
        elif step.get("kind") == "filter" and "ranking" in details:
            chosen = [str(r["candidate"]) for r in details["ranking"] if r.get("chosen")]
            path.append(f"{details.get('metric', 'filter')} picks {', '.join(chosen) or 'none'}")
    return path


def decision_spans(points: Sequence[SignalPoint]) -> list[DecisionSpanView]:
    """Consecutive days with the same path as one span, newest first."""
    groups: list[tuple[list[str], list[SignalPoint]]] = []
    for point in _last_of_each_day(points):
        path = decision_path(point)
        if groups and groups[-1][0] == path:
            groups[-1][1].append(point)
        else:
            groups.append((path, [point]))
    return [
        DecisionSpanView(
            first_day=days[0].day,
            last_day=days[-1].day,
            runs=len(days),
            path=path,
            weights=dict(days[-1].weights),
        )
        for path, days in reversed(groups)
    ]
