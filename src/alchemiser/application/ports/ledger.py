"""The Ledger port: the durable record of every run (SPEC §10).

Each call is one transaction, made as the step happens, so a crash at any point leaves a ledger
from which the next run knows exactly what was decided and done. Implemented by
infrastructure/ledger (SQLAlchemy, SQLite by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from alchemiser.domain.attribution import AttributionBook, SleeveTrade
from alchemiser.domain.trading import AccountSnapshot, Fill, Order


class RunStatus(StrEnum):
    """The one status vocabulary of runs: ledger, `trade`, `history`, reports (issue 12)."""

    RUNNING = "running"
    COMPLETED = "completed"
    """The account reached the target within `execution.completion_tolerance` (issue 11)."""
    PARTIAL = "partial"
    """Traded, but the account did not reach the target or some intended trades did not happen
    (refusals, aborts, a stop mid-way; see the run's errors)."""
    FAILED = "failed"
    """Stopped by an error; everything done before it is recorded."""
    INTERRUPTED = "interrupted"
    """Found still 'running' by a later run: the process died; that run finished its job."""
    DRY_RUN = "dry_run"
    REFUSED = "refused"
    """Refused before any order (market closed, account blocked)."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    trading_day: dt.date
    mode: str
    """sim, paper or live."""
    broker: str
    data_source: str
    started_at: dt.datetime
    config: Mapping[str, Any]
    """Effective settings with secrets already masked."""
    resumed_from: str | None = None


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    trading_day: dt.date
    mode: str
    broker: str
    data_source: str
    status: RunStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    resumed_from: str | None
    summary: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SleeveSignalRecord:
    sleeve: str
    allocation: float
    ok: bool
    weights: Mapping[str, float]
    explanation: Any = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedOrderRecord:
    phase: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    value: Decimal
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """The last recorded state of an order (what a resuming run reconciles with the broker)."""

    run_id: str
    phase: str
    client_order_id: str
    broker_order_id: str
    symbol: str
    side: str
    qty: Decimal
    status: str
    filled_qty: Decimal
    filled_avg_price: Decimal | None
    final: bool


class Ledger(Protocol):
    def start_run(self, info: RunInfo) -> None: ...

    def finish_run(self, run_id: str, status: RunStatus, summary: Mapping[str, Any]) -> None: ...

    def record_event(self, run_id: str, step: str, message: str, data: Any = None) -> None:
        """A step of the cycle as it happens (reconciled, sells settled, proceeding with …)."""
        ...

    def record_signals(self, run_id: str, signals: Sequence[SleeveSignalRecord]) -> None: ...

    def record_target(
        self,
        run_id: str,
        weights: Mapping[str, float],
        attribution: Mapping[str, Mapping[str, float]],
    ) -> None: ...

    def record_plan(self, run_id: str, orders: Sequence[PlannedOrderRecord]) -> None: ...

    def record_order(self, run_id: str, phase: str, order: Order) -> Fill | None:
        """Upsert the order by client id; keep every change of status as an event, and book the
        fill it reveals (the growth of the cumulative filled qty) exactly once, returning it."""
        ...

    def record_account(self, run_id: str, stage: str, account: AccountSnapshot) -> None: ...

    def record_error(self, run_id: str, record: Mapping[str, Any]) -> None: ...

    def record_sleeve_deltas(
        self,
        run_id: str,
        deltas: Mapping[str, Mapping[str, Decimal]],
        cross_prices: Mapping[str, Decimal],
    ) -> None: ...

    def sleeve_deltas(
        self, run_id: str
    ) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]: ...

    def load_book(self, account: str) -> AttributionBook:
        """The sleeve book of one account (the broker's name: sim, alpaca-paper, alpaca-live)."""
        ...

    def save_book(
        self,
        account: str,
        run_id: str | None,
        book: AttributionBook,
        trades: Sequence[SleeveTrade],
    ) -> None:
        """Replace the account's stored book and append the trades that led to it, in one
        transaction; with a run id, also mark that run as attributed (never twice)."""
        ...

    def is_attributed(self, run_id: str) -> bool: ...

    def unfinished_runs(self) -> list[RunSummary]: ...

    def orders_of(self, run_id: str) -> list[OrderRecord]: ...

    def fills_of(self, run_id: str) -> list[Fill]: ...

    def runs(self, limit: int = 50) -> list[RunSummary]: ...

    def run(self, run_id: str) -> RunSummary | None: ...

    def run_detail(self, run_id: str) -> dict[str, Any]:
        """Everything recorded for one run, JSON-ready (history command)."""
        ...
