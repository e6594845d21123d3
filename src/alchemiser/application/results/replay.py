"""The parity report of `alchemiser replay` (SPEC §16): the replay against the backtest."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from alchemiser.application.results.common import Record, Result


class ParityFigures(Record):
    final_equity_gap_bp: float
    """(replay final equity / backtest final equity − 1), in basis points."""
    tracking_error_bp: float
    """Annualised standard deviation of the daily return difference, in basis points."""
    tracking_mean_bp: float
    tracking_max_bp: float
    """Largest absolute daily return difference, in basis points."""
    fills_off_close_bp: float
    """What the replay's fills cost against the close, summed as a fraction of each day's
    equity (bp): the part of the gap the limit ladder and the spread (one tick at least) make."""
    unexplained_bp: float
    """Log gap ln(replay / backtest) plus fills_off_close_bp: what thresholds (min drift, min
    order), rounding and cash leave over."""


class DifferingDay(Record):
    session: dt.date
    max_weight_gap: float
    tickers: list[str]
    reasons: list[str]


class RunWithErrors(Record):
    session: dt.date
    run_id: str
    status: str
    errors: list[str]


class ParityReport(Result):
    """What `alchemiser replay` answers (published as docs/schemas/replay.json)."""

    start: dt.date
    end: dt.date
    sessions: int
    source: str
    slippage_bps: float
    fees: bool
    replay_final_equity: float
    backtest_final_equity: float
    parity: ParityFigures
    turnover: dict[str, float]
    """Average annual one-way turnover of each path (entry excluded)."""
    differing_days: list[DifferingDay] = Field(default_factory=list)
    reasons: dict[str, int] = Field(default_factory=dict)
    runs_with_errors: list[RunWithErrors] = Field(default_factory=list)
    equity: dict[str, list[float]] = Field(default_factory=dict)
    """`replay` and `backtest` curves on the replayed sessions."""

    def gap_exceeds(self, limit_bp: float) -> bool:
        """`--fail-above`: the final equity gap or the tracking error is beyond `limit_bp`."""
        return (
            abs(self.parity.final_equity_gap_bp) > limit_bp
            or self.parity.tracking_error_bp > limit_bp
        )
