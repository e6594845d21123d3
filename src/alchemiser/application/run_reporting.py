"""After every trading run: build its report once, then send it and file it (SPEC §9).

Delivery failures become NOTIFICATION records in the run's ledger entry and never change the
run's outcome: the trades happened and are reported as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import NotificationDispatcher, run_notifications
from alchemiser.application.ports.ledger import Ledger, RunStatus
from alchemiser.application.run_report import AccountLine, OrderLine, RunReport, SleeveLine
from alchemiser.application.trading_engine import CycleResult
from alchemiser.domain.errors import AlchemiserError, NotificationError
from alchemiser.domain.trading import AccountSnapshot


class ReportFileWriter(Protocol):
    def write(self, report: RunReport) -> Path: ...


def publish_run_report(
    report: RunReport,
    *,
    dispatcher: NotificationDispatcher,
    ledger: Ledger,
    errors: ErrorHandler,
    write_file: ReportFileWriter | None,
) -> Path | None:
    """Email/webhook the report and write its HTML file; returns the file's path if written."""
    already = len(errors.records)
    dispatcher.dispatch(run_notifications(report))
    path = None
    if write_file is not None:
        try:
            path = write_file.write(report)
        except (AlchemiserError, OSError) as exc:
            errors.handle(
                NotificationError(f"could not write the run report: {exc}"), component="report"
            )
    for record in errors.records[already:]:
        ledger.record_error(report.run_id, record.as_dict())
    return path


def _num(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


_REPORT_STATUS = {
    RunStatus.COMPLETED: "completed",
    RunStatus.FAILED: "failed",
    RunStatus.DRY_RUN: "dry-run",
    RunStatus.REFUSED: "market-closed",
}


def build_run_report(result: CycleResult, sleeves: Mapping[str, Any]) -> RunReport:
    """The report of one cycle; `sleeves` is the sleeve view (P&L) after the run."""
    outcome = result.outcome
    signal = result.signal
    lines = []
    if signal:
        for name, s in signal.sleeves.items():
            view = sleeves.get(name, {})
            lines.append(
                SleeveLine(
                    name=name,
                    allocation=s.allocation,
                    weights=dict(s.weights),
                    explanation=[str(step) for step in s.explanation],
                    realized_pnl=_num(view.get("realized_pnl")),
                    unrealized_pnl=_num(view.get("unrealized_pnl")),
                )
            )
        for name, error in signal.errors.items():
            lines.append(
                SleeveLine(
                    name=name,
                    allocation=signal.allocations[name],
                    weights={},
                    explanation=[f"FAILED: {error.message}"],
                )
            )

    def account(snapshot: AccountSnapshot | None) -> AccountLine | None:
        if snapshot is None:
            return None
        return AccountLine(
            float(snapshot.equity), float(snapshot.cash), float(snapshot.buying_power)
        )

    return RunReport(
        run_id=result.run_id,
        mode="dry-run" if result.status is RunStatus.DRY_RUN else result.mode,
        broker=result.broker,
        data_source=result.data_source,
        synthetic=result.synthetic,
        status=_REPORT_STATUS.get(result.status, result.status.value),
        started_at=result.started_at,
        finished_at=dt.datetime.now(dt.UTC),
        sleeves=lines,
        # the target traded: after the risk rules when they changed it (the plan's own target)
        target=(
            {str(k): float(v) for k, v in outcome.plan.target_weights.items()}
            if outcome
            else dict(result.target.weights)
            if result.target
            else {}
        ),
        planned=[
            OrderLine(str(t.symbol), t.side.value, float(t.qty), "planned")
            for t in (outcome.plan.trades if outcome else ())
        ],
        orders=[
            OrderLine(
                symbol=str(o.symbol),
                side=o.side.value,
                qty=float(o.qty),
                status=o.status.value,
                filled_qty=float(o.filled_qty),
                avg_price=_num(o.filled_avg_price),
                order_type=o.order_type.value,
            )
            for o in (outcome.orders if outcome else [])
        ],
        account_before=account(outcome.account_before if outcome else None),
        account_after=account(outcome.account_after if outcome else None),
        final_weights={s: float(w) for s, w in outcome.final_weights.items()} if outcome else {},
        residual_drift=float(outcome.residual_drift) if outcome and outcome.account_after else None,
        errors=list(result.errors),
        interventions=list(result.interventions),
        notes=list(result.notes),
    )
