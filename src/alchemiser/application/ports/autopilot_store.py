"""Port for what the autopilot reads from and writes to the ledger (SPEC §15).

Why its own narrow port: a restart must learn from the ledger alone what already ran today, and
`autopilot status` must answer when no autopilot process is running. Both need a few read-only
views of runs, account snapshots and errors, plus the autopilot's own small per-session notes
(attempts, alerts already sent, the daily summary). Implemented on the ledger's database by
infrastructure.ledger.autopilot_store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from alchemiser.application.ports.ledger import RunStatus
from alchemiser.domain.attribution import AttributionBook


@dataclass(frozen=True, slots=True)
class DayRun:
    """One recorded run of an account, with the kinds of error it recorded."""

    run_id: str
    trading_day: dt.date
    status: RunStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error_types: frozenset[str] = frozenset()
    """Exception class names of the run's error records (BrokerConnectionError, …)."""
    error_categories: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AccountPoint:
    """An account snapshot taken by a run (stage `before`, `after_sells` or `after`)."""

    run_id: str
    trading_day: dt.date
    stage: str
    at: dt.datetime
    equity: Decimal
    cash: Decimal
    prices: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunFacts:
    """The figures of one run that health metrics show."""

    run_id: str
    trading_day: dt.date
    status: RunStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    orders: int
    fills: int
    residual_drift: float | None
    duration_seconds: float | None


@dataclass(frozen=True, slots=True)
class SessionNote:
    """What the autopilot did about one session."""

    day: dt.date
    attempts: int = 0
    last_attempt_at: dt.datetime | None = None
    last_run_id: str | None = None
    alerts: Mapping[str, str] = field(default_factory=dict)
    """Alert kind → when it was sent (each kind once per session)."""
    summary: Mapping[str, Any] | None = None
    summary_sent_at: dt.datetime | None = None


class AutopilotStore(Protocol):
    def runs_between(self, account: str, start: dt.date, end: dt.date) -> list[DayRun]:
        """Runs of `account` with start <= trading day <= end, oldest first."""
        ...

    def last_run(self, account: str) -> RunFacts | None:
        """The newest run that was not a dry run."""
        ...

    def account_points(self, account: str, stage: str = "after") -> list[AccountPoint]:
        """Every snapshot of that stage, oldest first (equity history, peak, P&L)."""
        ...

    def error_counts(self, account: str) -> dict[str, int]:
        """Errors recorded by the account's runs, by category, since the ledger began."""
        ...

    def load_book(self, account: str) -> AttributionBook: ...

    def session(self, account: str, day: dt.date) -> SessionNote | None: ...

    def record_attempt(self, account: str, day: dt.date, run_id: str, at: dt.datetime) -> None: ...

    def mark_alert(self, account: str, day: dt.date, kind: str, at: dt.datetime) -> bool:
        """Note that alert `kind` was sent for `day`; False when it already was (send once)."""
        ...

    def save_summary(
        self, account: str, day: dt.date, summary: Mapping[str, Any], at: dt.datetime
    ) -> None: ...

    def state(self, account: str, key: str) -> Any:
        """A value saved with `set_state`, or None."""
        ...

    def set_state(self, account: str, key: str, value: Any, at: dt.datetime) -> None: ...
