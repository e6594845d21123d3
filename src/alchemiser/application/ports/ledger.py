"""The Ledger port: the durable record of every run (SPEC §10).

Two halves. Writes go through a unit of work (`CycleUnitOfWork`): what is written through one
commits together or not at all; `Ledger`'s own write methods are each one unit of work, made as
the step happens, so a crash at any point leaves a ledger from which the next run knows exactly
what was decided and done. Reads return typed read models (`RunSummary`, `RunDetail`,
`OrderRecord`, …), never rows or dicts whose keys callers must know. Implemented by
infrastructure/ledger (SQLAlchemy on SQLite or PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
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
    config: Mapping[str, Any] = field(default_factory=dict)
    """The effective settings stored with the run (secrets masked)."""
    attributed: bool = False
    """Its fills were booked to the sleeves (exactly once)."""


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
    order_type: str = ""
    limit_price: Decimal | None = None
    reject_reason: str | None = None
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RunEventRecord:
    at: dt.datetime
    step: str
    message: str
    data: Any = None


@dataclass(frozen=True, slots=True)
class TargetRecord:
    symbol: str
    weight: float
    attribution: Mapping[str, float]
    """The share of this weight each sleeve asked for."""


@dataclass(frozen=True, slots=True)
class OrderEventRecord:
    """One change of an order's status as it was seen."""

    client_order_id: str
    at: dt.datetime
    status: str
    filled_qty: Decimal
    filled_avg_price: Decimal | None
    limit_price: Decimal | None


@dataclass(frozen=True, slots=True)
class FillRecord:
    """A fill as booked: the growth of the order's cumulative filled quantity."""

    phase: str
    broker_order_id: str
    client_order_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    cum_qty: Decimal
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class PositionRecord:
    symbol: str
    qty: Decimal
    avg_entry_price: Decimal
    market_price: Decimal
    market_value: Decimal


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """The account as read at one stage of the run (before, after_sells, after)."""

    stage: str
    at: dt.datetime
    equity: Decimal
    cash: Decimal
    buying_power: Decimal
    positions: tuple[PositionRecord, ...]


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    at: dt.datetime
    category: str
    component: str
    message: str
    record: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SleeveTradeRecord:
    account: str
    at: dt.datetime
    sleeve: str
    symbol: str
    qty: Decimal
    price: Decimal
    fee: Decimal
    kind: str


@dataclass(frozen=True, slots=True)
class RunDetail:
    """Everything recorded for one run (the `history --run` view)."""

    run: RunSummary
    events: tuple[RunEventRecord, ...] = ()
    signals: tuple[SleeveSignalRecord, ...] = ()
    target: tuple[TargetRecord, ...] = ()
    plan: tuple[PlannedOrderRecord, ...] = ()
    orders: tuple[OrderRecord, ...] = ()
    order_events: tuple[OrderEventRecord, ...] = ()
    fills: tuple[FillRecord, ...] = ()
    accounts: tuple[AccountRecord, ...] = ()
    errors: tuple[ErrorEntry, ...] = ()
    sleeve_trades: tuple[SleeveTradeRecord, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: Decimal → exact string, datetimes → ISO 8601, enums → their value."""
        data = asdict(self)
        for order in data["orders"]:
            del order["run_id"]
        return _jsonable(data)  # type: ignore[no-any-return]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class CycleWrites(Protocol):
    """What a cycle writes (SPEC §10)."""

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

    def save_book(
        self,
        account: str,
        run_id: str | None,
        book: AttributionBook,
        trades: Sequence[SleeveTrade],
    ) -> None:
        """Replace the account's stored book and append the trades that led to it; with a run
        id, also mark that run as attributed (never twice: CorruptStateError)."""
        ...


class CycleUnitOfWork(CycleWrites, Protocol):
    """One transaction: everything written through it commits together when its `with` block
    ends, or nothing does (an exception rolls it back)."""


class LedgerViews(Protocol):
    """Typed read models of what was recorded."""

    def run(self, run_id: str) -> RunSummary | None: ...

    def runs(self, limit: int = 50) -> list[RunSummary]:
        """The most recent runs, newest first."""
        ...

    def unfinished_runs(self) -> list[RunSummary]:
        """Runs still marked running (oldest first)."""
        ...

    def run_detail(self, run_id: str) -> RunDetail | None:
        """Everything recorded for one run; None when there is no such run."""
        ...

    def planned_orders(self, run_id: str) -> list[PlannedOrderRecord]: ...

    def orders_of(self, run_id: str) -> list[OrderRecord]: ...

    def recent_run_ids(self, limit: int, broker: str) -> list[str]:
        """Ids of the runs of `broker` among the `limit` most recent runs, newest first (what
        `runs(limit)` filtered by broker gives, without reading every run's summary)."""
        ...

    def unfinished_orders(self, run_ids: Sequence[str]) -> list[OrderRecord]:
        """The orders of `run_ids` not recorded final, by run, then as `orders_of` sorts them
        (one query where reconciling used one per recent run)."""
        ...

    def fills_of(self, run_id: str) -> list[Fill]: ...

    def sleeve_deltas(
        self, run_id: str
    ) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]: ...

    def load_book(self, account: str) -> AttributionBook:
        """The sleeve book of one account (the broker's name: sim, alpaca-paper, alpaca-live)."""
        ...

    def is_attributed(self, run_id: str) -> bool: ...


class Ledger(CycleWrites, LedgerViews, Protocol):
    """The ledger: each write method is its own unit of work; `unit_of_work()` groups several."""

    def unit_of_work(self) -> AbstractContextManager[CycleUnitOfWork]: ...
