"""What the dashboard shows beyond `status` and `history`: the equity curve, today's drift,
each sleeve's allocation and decision history, and backtests run from the page. Published like
every result (docs/schemas/dashboard-*.json, served under /api/…)."""

from __future__ import annotations

import datetime as dt

from alchemiser.application.results.backtest import BacktestSummary
from alchemiser.application.results.common import DecimalStr, ErrorView, Record, Result, Timestamp
from alchemiser.application.results.status import StatusResult


class EquityPointView(Record):
    """The account after a trading day's last run."""

    day: dt.date
    run_id: str
    equity: DecimalStr
    cash: DecimalStr
    drawdown: float
    """equity / highest equity so far − 1 (0 at a new high, −0.2 = 20% below the peak)."""


class DriftLineView(Record):
    """One ticker of the newest target against what the account holds now."""

    symbol: str
    target: float
    held: float
    """Market value / equity now (0 when not held)."""
    drift: float
    """held − target."""


class SleeveValueView(Record):
    """A sleeve's book valued now, and its share of the portfolio's P&L."""

    sleeve: str
    value: DecimalStr | None
    """None when a holding could not be priced."""
    realized_pnl: DecimalStr
    unrealized_pnl: DecimalStr
    total_pnl: DecimalStr
    pnl_share: float | None
    """total_pnl / the sum of every sleeve's total_pnl (None when that sum is 0)."""


class OverviewResult(Result):
    status: StatusResult
    """Exactly what `status --json` reports."""
    equity_curve: list[EquityPointView]
    """Oldest first, one point per trading day."""
    max_drawdown: float | None
    """The lowest drawdown of the curve (None without a point)."""
    target_run_id: str | None
    target_day: dt.date | None
    drift: list[DriftLineView]
    """The newest recorded target against the holdings, largest |drift| first."""
    sleeves: list[SleeveValueView]


class AllocationSeriesView(Record):
    """A sleeve's weights day by day (the last run of each day), for a stacked area."""

    days: list[dt.date]
    weights: dict[str, list[float]]
    """Ticker → its weight within the sleeve on each of `days` (0 when not held)."""


class DecisionSpanView(Record):
    """Consecutive days on which a sleeve took the same path through its symphony."""

    first_day: dt.date
    last_day: dt.date
    runs: int
    path: list[str]
    """Each decision on the way: an `if`'s condition and the branch taken, a filter's pick."""
    weights: dict[str, float]
    """What the path chose on its last day."""


class SleeveHistoryView(Record):
    sleeve: str
    allocation: float
    """The sleeve's share of the account in the newest run."""
    allocation_history: AllocationSeriesView
    decisions: list[DecisionSpanView]
    """Newest first."""
    pnl: SleeveValueView | None
    """None when the sleeve has no book yet."""


class SleevesResult(Result):
    sleeves: list[SleeveHistoryView]


class BacktestJobView(Record):
    """A backtest started from the dashboard: queued, running, done or failed."""

    job_id: str
    subject: str
    """`portfolio` or the name of one sleeve."""
    start: dt.date
    end: dt.date
    state: str
    submitted_at: Timestamp
    finished_at: Timestamp | None
    summary: BacktestSummary | None
    error: ErrorView | None
    tearsheet: bool
    """An HTML tearsheet was written (served at /backtests/<job_id>/tearsheet)."""


class BacktestJobList(Result):
    jobs: list[BacktestJobView]
    """Newest first."""
    subjects: list[str]
    """What can be backtested: `portfolio` and each configured sleeve."""
    max_years: int
    """The longest range the dashboard accepts."""
