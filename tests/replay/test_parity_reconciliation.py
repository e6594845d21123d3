"""The parity reconciliation on a hand-worked three-session example.

Two tickers, A and B, half each in the backtest (no costs). The replay:
- session 0 buys A to 50 % but B only to 40 % (the buy sized under the buffer): 10 % cash;
- session 1 (A +10 %) sells 25 A at 109.90, ten cents under the close, and the planner skips
  B (below the min drift), so B stays at 40 000;
- session 2 (B +10 %).
Expected figures are worked out below by hand from these dollar amounts.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest

from alchemiser.application.ports.ledger import (
    FillRecord,
    RunDetail,
    RunEventRecord,
    RunStatus,
    RunSummary,
)
from alchemiser.application.replay.parity import BlendedBacktest, parity_report
from alchemiser.application.replay.progress import SessionRecord
from alchemiser.domain.backtest.costs import NO_COSTS
from alchemiser.domain.backtest.rebalancing import RebalanceKind, RebalancePolicy
from alchemiser.domain.backtest.simulation import simulate

DAYS = [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)]
CLOSE = np.array([[100.0, 50.0], [110.0, 50.0], [110.0, 55.0]])
AT = dt.datetime(2024, 1, 2, 21, tzinfo=dt.UTC)


def _fill(phase: str, symbol: str, side: str, qty: str, price: str) -> FillRecord:
    return FillRecord(phase, "o", "c", symbol, side, Decimal(qty), Decimal(price), Decimal(qty), AT)


def _detail(run_id: str, fills: tuple[FillRecord, ...], skipped: list[list[str]]) -> RunDetail:
    summary = RunSummary(
        run_id, DAYS[0], "replay", "sim", "test", RunStatus.COMPLETED, AT, AT, resumed_from=None
    )
    event = RunEventRecord(AT, "plan", "plan", {"skipped": skipped})
    return RunDetail(run=summary, events=(event,), fills=fills)


DETAILS = {
    "r0": _detail(
        "r0", (_fill("buy", "A", "buy", "500", "100"), _fill("buy", "B", "buy", "800", "50")), []
    ),
    "r1": _detail("r1", (_fill("sell", "A", "sell", "25", "109.90"),), [["B", "below_min_drift"]]),
    "r2": _detail("r2", (), []),
}
RECORDS = [
    SessionRecord(
        session=DAYS[0],
        run_id="r0",
        status="completed",
        equity=100_000.0,
        cash=10_000.0,
        values={"A": 50_000.0, "B": 40_000.0},
    ),
    SessionRecord(
        session=DAYS[1],
        run_id="r1",
        status="completed",
        equity=104_997.5,  # 52 250 A + 40 000 B + 12 747.50 cash
        cash=12_747.5,
        values={"A": 52_250.0, "B": 40_000.0},
    ),
    SessionRecord(
        session=DAYS[2],
        run_id="r2",
        status="completed",
        equity=108_997.5,
        cash=12_747.5,
        values={"A": 52_250.0, "B": 44_000.0},
    ),
]


@pytest.fixture
def report():  # type: ignore[no-untyped-def]
    dates = np.array(DAYS, dtype="datetime64[D]")
    simulation = simulate(
        dates,
        ("A", "B"),
        CLOSE,
        np.full((3, 2), 0.5),
        np.ones(3, dtype=bool),
        policy=RebalancePolicy(RebalanceKind.DAILY),
        costs=NO_COSTS,
        capital=100_000.0,
        start=0,
        force_first=True,
    )
    return parity_report(
        RECORDS,
        BlendedBacktest(simulation, CLOSE),
        source="test",
        costs=NO_COSTS,
        capital=100_000.0,
        details=DETAILS.get,
    )


def test_the_lines_are_the_hand_worked_causes_and_sum_to_the_gap(report) -> None:  # type: ignore[no-untyped-def]
    # backtest: 100 000 → 105 000 (A +10 % on half) → 110 250 (B +10 % on half)
    assert report.backtest_final_equity == pytest.approx(110_250.0)
    gap = (108_997.5 / 110_250 - 1) * 1e4
    assert report.parity.final_equity_gap_bp == pytest.approx(gap)
    lines = {line.cause: line for line in report.reconciliation}
    assert sum(line.bp for line in report.reconciliation) == pytest.approx(gap, abs=1e-9)
    # log gaps of the two sessions that differ, linked to the simple gap in proportion
    fills_log = math.log(1.049975 / 1.05)  # session 1: only the sale 2.50 under the close
    skip_log = math.log((108_997.5 / 104_997.5) / 1.05)  # session 2: B held at 38.1 %
    scale = gap / (1e4 * (fills_log + skip_log))
    assert lines["limit_fills"].bp == pytest.approx(1e4 * fills_log * scale, rel=1e-9)
    assert lines["thresholds"].bp == pytest.approx(1e4 * skip_log * scale, rel=1e-9)
    # B's 10 % short on session 0 met a flat B on session 1: it cost nothing
    assert lines["cash_buffer"].bp == pytest.approx(0.0, abs=1e-9)
    assert lines["residual"].bp == pytest.approx(0.0, abs=1e-9)
    assert lines["backtest_costs"].bp == 0.0 and lines["top_up"].bp == 0.0
    assert (lines["limit_fills"].days, lines["thresholds"].days) == (1, 1)
    assert report.parity.fills_off_close_bp == pytest.approx(-lines["limit_fills"].bp)


def test_each_differing_day_carries_its_cause(report) -> None:  # type: ignore[no-untyped-def]
    days = {d.session: d for d in report.differing_days}
    assert set(days) == set(DAYS)  # B under target by > 0.5 % after every session
    assert days[DAYS[0]].reasons == ["cash buffer (buying power held back, buys short or unfilled)"]
    assert days[DAYS[1]].reasons == ["trade thresholds (min drift, min order value)"]
    assert days[DAYS[1]].tickers == ["B"]
    (effect,) = days[DAYS[1]].next_session_bp.values()
    # B's gap (−11.9 %) × B's +10 %, as a log-return difference
    assert effect == pytest.approx(1e4 * math.log((108_997.5 / 104_997.5) / 1.05), rel=1e-9)
