"""The `history` use case: the runs in the ledger, and everything recorded for one of them.

The ledger's read view is JSON-ready text (exact decimals as strings); it is validated here into
the same records `trade` publishes, so one order, fill or account looks alike in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from alchemiser.application.ports.ledger import Ledger, RunSummary
from alchemiser.application.results.account import PositionView
from alchemiser.application.results.common import InterventionView, Record
from alchemiser.application.results.history import (
    AccountStageView,
    FillView,
    OrderEventView,
    RunEventView,
    RunList,
    RunRecord,
    RunSummaryView,
    SleeveTradeView,
)
from alchemiser.application.results.run import OrderView, PlannedTradeView
from alchemiser.application.results.signal import ExplanationLine, SleeveSignalView
from alchemiser.application.services.views import error_view, target_lines
from alchemiser.domain.errors import ConfigurationError

_R = TypeVar("_R", bound=Record)


class HistoryService:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def runs(self, limit: int) -> RunList:
        return RunList(runs=[_summary_view(r) for r in self._ledger.runs(limit)])

    def run(self, run_id: str) -> RunRecord:
        found = self._ledger.run_detail(run_id)
        summary = self._ledger.run(run_id)
        if found is None or summary is None:
            raise ConfigurationError(
                f"no run {run_id!r} in the ledger",
                context={"run_id": run_id},
                suggested_action="List runs with `alchemiser history`.",
            )
        detail = found.as_json()  # the typed read model as JSON-ready text, validated below
        return RunRecord(
            run=_summary_view(summary),
            config=dict(detail["run"].get("config") or {}),
            events=[_pick(RunEventView, e) for e in detail["events"]],
            sleeves=[_sleeve(s) for s in detail["signals"]],
            target=target_lines(
                {t["symbol"]: t["weight"] for t in detail["target"]},
                {t["symbol"]: t["attribution"] for t in detail["target"]},
            ),
            plan=[_pick(PlannedTradeView, p) for p in detail["plan"]],
            orders=[_pick(OrderView, o) for o in detail["orders"]],
            order_events=[_pick(OrderEventView, e) for e in detail["order_events"]],
            fills=[_pick(FillView, f) for f in detail["fills"]],
            accounts=[_account(a) for a in detail["accounts"]],
            errors=[error_view(e["record"]) for e in detail["errors"]],
            sleeve_trades=[_pick(SleeveTradeView, t) for t in detail["sleeve_trades"]],
            interventions=[
                InterventionView.model_validate(i)
                for i in summary.summary.get("interventions") or []
            ],
        )


def _summary_view(run: RunSummary) -> RunSummaryView:
    drift = run.summary.get("residual_drift")
    return RunSummaryView(
        run_id=run.run_id,
        trading_day=run.trading_day,
        mode=run.mode,
        broker=run.broker,
        data_source=run.data_source,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        resumed_from=run.resumed_from,
        orders=int(run.summary.get("orders") or 0),
        residual_drift=None if drift is None else float(drift),
    )


def _pick(model: type[_R], row: Mapping[str, Any]) -> _R:
    """The row's columns the record publishes (ledger-internal columns are left out)."""
    return model.model_validate({k: row[k] for k in model.model_fields if k in row})


def _sleeve(row: Mapping[str, Any]) -> SleeveSignalView:
    return SleeveSignalView(
        sleeve=row["sleeve"],
        symphony=None,
        name=None,
        allocation=row["allocation"],
        ok=row["ok"],
        as_of=None,
        warmed_up=None,
        weights=dict(row["weights"] or {}),
        explanation=[_explanation(step) for step in row.get("explanation") or []],
        error=row.get("error"),
    )


def _explanation(step: Mapping[str, Any]) -> ExplanationLine:
    position = step.get("position") or (None, None)
    return ExplanationLine(
        depth=step["depth"],
        kind=step["kind"],
        summary=step["summary"],
        share=step["share"],
        defined=step["defined"],
        details=dict(step.get("details") or {}),
        line=position[0],
        column=position[1],
    )


def _account(row: Mapping[str, Any]) -> AccountStageView:
    equity = Decimal(row["equity"])
    return AccountStageView(
        stage=row["stage"],
        at=row["at"],
        equity=equity,
        cash=Decimal(row["cash"]),
        buying_power=Decimal(row["buying_power"]),
        positions=[
            PositionView(
                symbol=p["symbol"],
                qty=Decimal(p["qty"]),
                market_price=Decimal(p["market_price"]),
                market_value=Decimal(p["market_value"]),
                avg_entry_price=Decimal(p["avg_entry_price"]),
                weight=float(Decimal(p["market_value"]) / equity) if equity else None,
            )
            for p in row["positions"]
        ],
    )
