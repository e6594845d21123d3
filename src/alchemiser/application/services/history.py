"""The `history` use case: the runs in the ledger, and everything recorded for one of them.

The ledger's typed read model (`RunDetail`) is mapped here into the same records `trade`
publishes, so one order, fill or account looks alike in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from alchemiser.application.ports.ledger import (
    AccountRecord,
    Ledger,
    RunSummary,
    SleeveSignalRecord,
)
from alchemiser.application.results.account import PositionView
from alchemiser.application.results.common import InterventionView, Record
from alchemiser.application.results.config import PortfolioConfigView
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
        detail = self._ledger.run_detail(run_id)
        if detail is None:
            raise ConfigurationError(
                f"no run {run_id!r} in the ledger",
                context={"run_id": run_id},
                suggested_action="List runs with `alchemiser history`.",
            )
        config = dict(detail.run.config)
        symphonies = _symphonies(config)
        return RunRecord(
            run=_summary_view(detail.run),
            config=config,
            events=[_pick(RunEventView, e) for e in detail.events],
            sleeves=[_sleeve(s, symphonies.get(s.sleeve)) for s in detail.signals],
            target=target_lines(
                {t.symbol: t.weight for t in detail.target},
                {t.symbol: t.attribution for t in detail.target},
            ),
            plan=[_pick(PlannedTradeView, p) for p in detail.plan],
            orders=[_pick(OrderView, o) for o in detail.orders],
            order_events=[_pick(OrderEventView, e) for e in detail.order_events],
            fills=[_pick(FillView, f) for f in detail.fills],
            accounts=[_account(a) for a in detail.accounts],
            errors=[error_view(e.record) for e in detail.errors],
            sleeve_trades=[_pick(SleeveTradeView, t) for t in detail.sleeve_trades],
            interventions=[
                InterventionView.model_validate(i)
                for i in detail.run.summary.get("interventions") or []
            ],
        )


def _symphonies(config: Mapping[str, Any]) -> dict[str, str]:
    """Sleeve → symphony, from the portfolio the run stored with its config (runs recorded
    before the config carried it have none: their sleeves show `symphony: null`)."""
    try:
        portfolio = PortfolioConfigView.model_validate(config.get("portfolio"))
    except ValidationError:
        return {}
    return {s.sleeve: s.symphony for s in portfolio.sleeves}


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


def _pick(model: type[_R], record: object) -> _R:
    """The read model's fields the record publishes (ledger-internal ones are left out)."""
    return model.model_validate(
        {k: getattr(record, k) for k in model.model_fields if hasattr(record, k)}
    )


def _sleeve(record: SleeveSignalRecord, symphony: str | None) -> SleeveSignalView:
    return SleeveSignalView(
        sleeve=record.sleeve,
        symphony=symphony,
        name=None,
        allocation=record.allocation,
        ok=record.ok,
        as_of=None,
        warmed_up=None,
        weights=dict(record.weights or {}),
        explanation=[_explanation(step) for step in record.explanation or []],
        error=record.error,
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


def _account(record: AccountRecord) -> AccountStageView:
    equity = record.equity
    return AccountStageView(
        stage=record.stage,
        at=record.at,
        equity=equity,
        cash=record.cash,
        buying_power=record.buying_power,
        positions=[
            PositionView(
                symbol=p.symbol,
                qty=p.qty,
                market_price=p.market_price,
                market_value=p.market_value,
                avg_entry_price=p.avg_entry_price,
                weight=float(p.market_value / equity) if equity else None,
            )
            for p in record.positions
        ],
    )
