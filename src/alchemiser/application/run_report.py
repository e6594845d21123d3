"""What a person is told about one trading run: the content of the email and the HTML file.

Plain data, built once from the run's result, so every channel (email, webhook, file, terminal)
reports exactly the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from alchemiser.application.error_handler import ErrorRecord
from alchemiser.domain.risk import Intervention


@dataclass(frozen=True, slots=True)
class SleeveLine:
    name: str
    allocation: float
    weights: dict[str, float]
    explanation: list[str] = field(default_factory=list)
    realized_pnl: float | None = None
    unrealized_pnl: float | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    symbol: str
    side: str
    qty: float
    status: str
    filled_qty: float = 0.0
    avg_price: float | None = None
    order_type: str = ""


@dataclass(frozen=True, slots=True)
class AccountLine:
    equity: float
    cash: float
    buying_power: float


@dataclass(frozen=True, slots=True)
class RunReport:
    run_id: str
    mode: str  # sim | paper | live | dry-run
    broker: str
    data_source: str
    synthetic: bool
    status: str  # completed | failed | stopped | dry-run | market-closed
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    sleeves: list[SleeveLine] = field(default_factory=list)
    target: dict[str, float] = field(default_factory=dict)
    planned: list[OrderLine] = field(default_factory=list)
    orders: list[OrderLine] = field(default_factory=list)
    account_before: AccountLine | None = None
    account_after: AccountLine | None = None
    final_weights: dict[str, float] = field(default_factory=dict)
    residual_drift: float | None = None
    errors: list[ErrorRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    """What the risk rules changed or refused before the plan (SPEC §14)."""

    @property
    def ok(self) -> bool:
        return self.status in {"completed", "dry-run"} and not self.errors
