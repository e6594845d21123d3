"""One trading run (`alchemiser trade`, the run report email/HTML, `history --run`).

The terminal, `--json` and the report all render this one model, so they cannot disagree on
phases, quantities or statuses.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from alchemiser.application.results.account import AccountView, SleeveBookView
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
from alchemiser.application.results.signal import SleeveSignalView, TargetLine


class PlannedTradeView(Record):
    phase: Phase
    symbol: str
    side: str
    """buy or sell."""
    qty: DecimalStr
    price: DecimalStr
    """The decision price the quantity was sized at."""
    value: DecimalStr
    reason: str


class OrderView(Record):
    """The last known state of one order (each attempt of the limit ladder is its own order)."""

    phase: Phase
    symbol: str
    side: str
    order_type: str
    qty: DecimalStr
    limit_price: DecimalStr | None
    status: str
    """The broker's order status (filled, canceled, expired, rejected, …)."""
    filled_qty: DecimalStr
    filled_avg_price: DecimalStr | None
    client_order_id: str
    broker_order_id: str


class WeightLine(Record):
    """Target against final weight of one ticker; `final` and `drift` are None before trading."""

    symbol: str
    target: float
    final: float | None
    drift: float | None


class RunResult(Result):
    run_id: str
    mode: str
    """sim, paper or live."""
    dry_run: bool
    broker: str
    data_source: str
    synthetic: bool
    trading_day: dt.date
    status: RunStatus
    started_at: Timestamp
    finished_at: Timestamp | None
    sleeves: list[SleeveSignalView]
    target: list[TargetLine]
    plan: list[PlannedTradeView]
    """Sells, buys, then top-up buys, as planned (buys may be scaled before placing)."""
    orders: list[OrderView]
    account_before: AccountView | None
    account_after: AccountView | None
    weights: list[WeightLine]
    residual_drift: float | None
    """The largest |final − target| weight after the run (None when nothing was traded)."""
    sleeve_books: list[SleeveBookView]
    notes: list[str]
    errors: list[ErrorView]
    interventions: list[InterventionView] = Field(default_factory=list)
    """What the risk rules changed or refused before the plan, in rule order."""
    report_file: str | None = None

    @property
    def exit_code(self) -> int:
        """The run's exit code: the first error's category, 0 when there is none."""
        return self.errors[0].exit_code if self.errors else 0
