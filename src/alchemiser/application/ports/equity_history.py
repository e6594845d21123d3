"""Port: the account's end-of-run equity, run by run (SPEC §14's drawdown breaker and daily
loss limit read it). Implemented over the ledger by infrastructure.ledger.equity_history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EquityRecord:
    run_id: str
    day: dt.date
    equity: Decimal
    """The account's equity after the run (the `after` snapshot)."""
    breaker_tripped: bool = False
    """The run tripped a risk halt: the high-water mark starts again after it."""


class EquityHistory(Protocol):
    def end_of_run_equity(self, broker: str) -> list[EquityRecord]:
        """Every run of `broker` that recorded an end-of-run account, oldest first."""
        ...
