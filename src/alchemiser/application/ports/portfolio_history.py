"""Port: the ledger's history across runs in one read (the dashboard's equity curve, sleeve
allocations and decision paths). Per-run reads (`LedgerViews.run_detail`) would cost one query
per run: five years of daily runs is ~1,260 of them, too slow for a page. Implemented over the
ledger's tables by infrastructure.ledger.portfolio_history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AccountPoint:
    """The account after one run (its `after` snapshot)."""

    run_id: str
    day: dt.date
    at: dt.datetime
    equity: Decimal
    cash: Decimal


@dataclass(frozen=True, slots=True)
class SignalPoint:
    """One sleeve's recorded signal in one run."""

    run_id: str
    day: dt.date
    sleeve: str
    allocation: float
    ok: bool
    weights: Mapping[str, float]
    explanation: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class TargetPoint:
    """The blended target one run recorded."""

    run_id: str
    day: dt.date
    weights: Mapping[str, float]


class PortfolioHistory(Protocol):
    def revision(self, broker: str) -> str:
        """Changes whenever anything the other reads return changes (a run, signal, account or
        target written): what was derived from them can be kept until it does."""
        ...

    def account_curve(self, broker: str) -> list[AccountPoint]:
        """Every run of `broker` that recorded an `after` account, oldest first."""
        ...

    def signal_history(self, broker: str) -> list[SignalPoint]:
        """Every recorded sleeve signal of `broker`'s runs, oldest run first."""
        ...

    def latest_target(self, broker: str) -> TargetPoint | None:
        """The newest run of `broker` that recorded a target (None before any)."""
        ...
