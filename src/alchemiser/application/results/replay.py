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
    """What the replay's fills (limit ladder and top-up) cost against the close, as their share
    of the final equity gap (bp, > 0 = a cost): the spread; 0 with a zero spread."""
    unexplained_bp: float
    """The reconciliation's `other_holdings` and `residual` lines together (bp): the part of
    the gap no named cause accounts for."""


class GapLine(Record):
    """One line of the reconciliation: the part of the final equity gap one cause made."""

    cause: str
    """Stable key: backtest_costs, limit_fills, top_up, crossing, share_rounding, thresholds,
    cash_reserve, cash_buffer, risk, errors, other_holdings, residual."""
    label: str
    bp: float
    """Its part of final_equity_gap_bp (the lines sum to it)."""
    days: int
    """Sessions on which it moved the return difference."""
    value: float | None = None
    """For crossing: the dollar value crossed between sleeves without an order (it moves
    neither path: the account and the blended backtest both trade only the net)."""


class DifferingDay(Record):
    session: dt.date
    max_weight_gap: float
    tickers: list[str]
    reasons: list[str]
    """The causes of the differing tickers' gaps (labels of the reconciliation's lines)."""
    next_session_bp: dict[str, float] = Field(default_factory=dict)
    """What these holdings made of the next session's log-return difference, by cause (bp)."""


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
    reconciliation: list[GapLine] = Field(default_factory=list)
    """The final equity gap cause by cause; the `bp` of the lines sum to it."""
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
