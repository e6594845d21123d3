"""A finished cycle as its published result (`RunResult`): what `trade` prints, what the report
and the email show, what the dashboard will render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from alchemiser.application.rebalancing_orchestrator import RebalanceOutcome
from alchemiser.application.results.account import SleeveBookView
from alchemiser.application.results.common import Phase, RunStatus, intervention_view
from alchemiser.application.results.run import OrderView, PlannedTradeView, RunResult, WeightLine
from alchemiser.application.services.views import (
    account_view,
    error_view,
    sleeve_views,
    target_lines,
)
from alchemiser.application.trading_engine import CycleResult
from alchemiser.domain.rebalance import PlannedTrade
from alchemiser.domain.trading import Order, Side


def run_result(
    cycle: CycleResult,
    sleeve_books: list[SleeveBookView],
    *,
    finished_at: dt.datetime | None = None,
    report_file: str | None = None,
) -> RunResult:
    outcome = cycle.outcome
    after = outcome.account_after if outcome else None
    return RunResult(
        run_id=cycle.run_id,
        mode=cycle.mode,
        dry_run=cycle.status is RunStatus.DRY_RUN,
        broker=cycle.broker,
        data_source=cycle.data_source,
        synthetic=cycle.synthetic,
        trading_day=cycle.trading_day,
        status=cycle.status,
        started_at=cycle.started_at,
        finished_at=finished_at,
        sleeves=sleeve_views(cycle.signal) if cycle.signal else [],
        target=target_lines(cycle.target.weights, cycle.target.attribution) if cycle.target else [],
        plan=_plan(outcome) if outcome else [],
        orders=[_order(o, outcome) for o in outcome.orders] if outcome else [],
        account_before=account_view(outcome.account_before) if outcome else None,
        account_after=account_view(after) if after else None,
        weights=_weights(cycle, outcome),
        residual_drift=float(outcome.residual_drift) if outcome and after else None,
        sleeve_books=sleeve_books,
        notes=list(cycle.notes),
        errors=[error_view(e) for e in cycle.errors],
        interventions=[intervention_view(i) for i in cycle.interventions],
        report_file=report_file,
    )


def _side_phase(side: Side) -> Phase:
    return Phase.SELL if side is Side.SELL else Phase.BUY


def _planned(trade: PlannedTrade, phase: Phase) -> PlannedTradeView:
    return PlannedTradeView(
        phase=phase,
        symbol=str(trade.symbol),
        side=trade.side.value,
        qty=trade.qty,
        price=trade.price,
        value=trade.value,
        reason="close position" if trade.closes_position else "rebalance to target",
    )


def _plan(outcome: RebalanceOutcome) -> list[PlannedTradeView]:
    planned = [_planned(t, _side_phase(t.side)) for t in outcome.plan.trades]
    return planned + [_planned(t, Phase.TOPUP) for t in outcome.top_up]


def _order(order: Order, outcome: RebalanceOutcome) -> OrderView:
    phase = outcome.phases.get(order.client_order_id)
    return OrderView(
        phase=Phase(phase) if phase else _side_phase(order.side),
        symbol=str(order.symbol),
        side=order.side.value,
        order_type=order.order_type.value,
        qty=order.qty,
        limit_price=order.limit_price,
        status=order.status.value,
        filled_qty=order.filled_qty,
        filled_avg_price=order.filled_avg_price,
        client_order_id=order.client_order_id,
        broker_order_id=order.id,
    )


def _weights(cycle: CycleResult, outcome: RebalanceOutcome | None) -> list[WeightLine]:
    """Target vs final per ticker, largest target first. `drift` is measured against the
    target net of the cash reserve, as the orchestrator verifies it."""
    target = dict(cycle.target.weights) if cycle.target else {}
    if outcome is not None:  # the target traded: after the risk rules (SPEC §14)
        target = {str(s): float(w) for s, w in outcome.plan.target_weights.items()}
    final: dict[str, Decimal] = {}
    drift: dict[str, Decimal] = {}
    traded = outcome is not None and outcome.account_after is not None
    if outcome is not None and traded:
        final, drift = outcome.final_weights, outcome.drift
    symbols = sorted(set(target) | set(final), key=lambda t: (-target.get(t, 0.0), t))
    return [
        WeightLine(
            symbol=s,
            target=target.get(s, 0.0),
            final=float(final.get(s, Decimal(0))) if traded else None,
            drift=float(drift.get(s, Decimal(0))) if traded else None,
        )
        for s in symbols
    ]
