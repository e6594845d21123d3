"""The daily summary's figures against a hand-worked example."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from alchemiser.application.autopilot.status import SleeveStatus
from alchemiser.application.autopilot.summary import build_summary
from alchemiser.application.ports.autopilot_store import AccountPoint
from alchemiser.domain.market.price_history import PriceHistory

FRI, MON, TUE = dt.date(2026, 11, 20), dt.date(2026, 11, 23), dt.date(2026, 11, 24)
AT = dt.datetime(2026, 11, 23, 21, tzinfo=dt.UTC)


def _point(day: dt.date, stage: str, equity: str) -> AccountPoint:
    return AccountPoint("r", day, stage, AT, Decimal(equity), Decimal("0"))


def test_summary_figures() -> None:
    spy = PriceHistory.from_columns([FRI, MON, TUE], {"SPY": [400.0, 404.0, 402.0]})
    summary = build_summary(
        day=TUE,
        previous_session=MON,
        before_points=[_point(MON, "before", "100000"), _point(TUE, "before", "101000")],
        after_points=[_point(MON, "after", "101000"), _point(TUE, "after", "99990")],
        sleeves=[
            SleeveStatus(
                name="core", value=70_000.0, realized_pnl=10.0, unrealized_pnl=-20.0, pnl=-10.0
            )
        ],
        previous={"sleeves": {"core": {"to_date_pnl": 15.0}}},
        spy=spy,
        first_day_before=FRI,
    )
    assert summary is not None
    account = summary.data["account"]
    assert account["equity"] == 99_990.0
    assert account["day_pnl"] == -1_010.0  # 99,990 − 101,000 (Monday's end-of-run equity)
    assert account["to_date_pnl"] == -10.0  # 99,990 − 100,000 (before the first run)
    assert account["day_return"] == pytest.approx(-0.01)
    assert account["to_date_return"] == pytest.approx(-0.0001)
    assert summary.data["spy"]["day_return"] == pytest.approx(402 / 404 - 1)
    assert summary.data["spy"]["to_date_return"] == pytest.approx(0.005)
    assert summary.data["sleeves"]["core"] == {
        "value": 70_000.0,
        "to_date_pnl": -10.0,
        "day_pnl": -25.0,  # −10 today against +15 in Monday's summary
    }
    assert "Sleeve core" in "\n".join(summary.lines)


def test_no_summary_before_any_run() -> None:
    summary = build_summary(
        day=TUE,
        previous_session=MON,
        before_points=[],
        after_points=[],
        sleeves=[],
        previous=None,
        spy=None,
        first_day_before=None,
    )
    assert summary is None
