"""`alchemiser history`: the runs in the ledger, and everything recorded for one of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from alchemiser.application.results.account import PositionView
from alchemiser.application.results.common import (
    DecimalStr,
    ErrorView,
    InterventionView,
    Phase,
    Record,
    Result,
    RunStatus,
    Timestamp,
)
from alchemiser.application.results.run import OrderView, PlannedTradeView
from alchemiser.application.results.signal import SleeveSignalView, TargetLine


class RunSummaryView(Record):
    run_id: str
    trading_day: dt.date
    mode: str
    broker: str
    data_source: str
    status: RunStatus
    started_at: Timestamp
    finished_at: Timestamp | None
    resumed_from: str | None
    orders: int
    residual_drift: float | None


class RunList(Result):
    runs: list[RunSummaryView]
    """Newest first."""


class RunEventView(Record):
    at: Timestamp
    step: str
    message: str


class OrderEventView(Record):
    """One change of an order's status as the ledger saw it."""

    client_order_id: str
    at: Timestamp
    status: str
    filled_qty: DecimalStr
    filled_avg_price: DecimalStr | None
    limit_price: DecimalStr | None


class FillView(Record):
    phase: Phase
    symbol: str
    side: str
    qty: DecimalStr
    price: DecimalStr
    client_order_id: str
    at: Timestamp


class AccountStageView(Record):
    """The account at one stage of the run: before, after_sells, after."""

    stage: str
    at: Timestamp
    equity: DecimalStr
    cash: DecimalStr
    buying_power: DecimalStr
    positions: list[PositionView]


class SleeveTradeView(Record):
    """A sleeve's share of a fill, a crossing between sleeves, or a reconciliation."""

    sleeve: str
    symbol: str
    qty: DecimalStr
    price: DecimalStr
    fee: DecimalStr
    kind: str
    at: Timestamp


class RunRecord(Result):
    run: RunSummaryView
    config: dict[str, Any]
    """The effective settings of the run, secrets masked (free-form)."""
    events: list[RunEventView]
    sleeves: list[SleeveSignalView]
    target: list[TargetLine]
    plan: list[PlannedTradeView]
    orders: list[OrderView]
    order_events: list[OrderEventView]
    fills: list[FillView]
    accounts: list[AccountStageView]
    errors: list[ErrorView]
    sleeve_trades: list[SleeveTradeView]
    interventions: list[InterventionView] = Field(default_factory=list)
    """What the risk rules changed or refused in this run (SPEC §14), from its summary."""
