"""The dashboard's computations over a real SQLite ledger filled with daily runs written through
the ledger's unit of work; expected values come from the written inputs and numpy, never from
the code under test."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import numpy as np
import pytest

from alchemiser import bootstrap
from alchemiser.application.results.account import (
    AccountView,
    PositionView,
    SleeveBookView,
    SleeveHoldingView,
)
from alchemiser.application.results.status import StatusResult
from alchemiser.application.services.dashboard import DashboardService
from alchemiser.infrastructure.ledger import SqlLedger
from tests.dashboard.history import SLEEVES, WrittenDay, weekdays, write_daily_runs

pytestmark = pytest.mark.timeout(60)


def _status(books: list[SleeveBookView] | None = None) -> StatusResult:
    equity = Decimal("1000")
    positions = [
        PositionView(
            symbol=symbol,
            qty=Decimal("1"),
            market_price=value,
            market_value=value,
            avg_entry_price=value,
            weight=float(value / equity),
        )
        for symbol, value in (("SPY", Decimal("600")), ("XLE", Decimal("300")))
    ]
    return StatusResult(
        broker="sim",
        account=AccountView(
            equity=equity, cash=Decimal("100"), buying_power=Decimal("100"), positions=positions
        ),
        sleeve_books=books or [],
        unpriced=[],
    )


@pytest.fixture(scope="module")
def written(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[DashboardService, list[WrittenDay]]:
    ledger = SqlLedger(f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.db'}")
    days = weekdays(dt.date(2025, 6, 30), 40)
    history = write_daily_runs(ledger, days, seed=3)
    # A second run on the last day: the day's last run is the one shown.
    again = write_daily_runs(ledger, [days[-1]], seed=99, at=dt.time(20, 30))
    return DashboardService(bootstrap.portfolio_history(ledger)), history[:-1] + again


def test_equity_curve_is_one_point_per_day_with_its_drawdown_from_the_peak(
    written: tuple[DashboardService, list[WrittenDay]],
) -> None:
    service, history = written
    overview = service.overview(_status())
    assert [p.day for p in overview.equity_curve] == [w.day for w in history]
    assert [p.equity for p in overview.equity_curve] == [w.equity for w in history]
    assert [p.cash for p in overview.equity_curve] == [w.cash for w in history]
    equity = np.array([float(w.equity) for w in history])
    expected = equity / np.maximum.accumulate(equity) - 1
    assert np.allclose([p.drawdown for p in overview.equity_curve], expected, atol=1e-12)
    assert overview.max_drawdown == pytest.approx(expected.min())
    assert expected.min() < 0, "the seeded walk should have a drawdown worth checking"


def test_drift_is_the_newest_target_against_the_holdings(
    written: tuple[DashboardService, list[WrittenDay]],
) -> None:
    service, history = written
    overview = service.overview(_status())
    last = history[-1]
    assert overview.target_run_id == last.run_id and overview.target_day == last.day
    target: dict[str, float] = {}
    for sleeve, (first, second) in SLEEVES.items():
        chosen = first if last.branches[sleeve] == "then" else second
        target[chosen] = target.get(chosen, 0.0) + 1 / 3
    held = {"SPY": 0.6, "XLE": 0.3}
    lines = {d.symbol: d for d in overview.drift}
    assert set(lines) == set(target) | set(held)
    for symbol, line in lines.items():
        assert line.target == pytest.approx(target.get(symbol, 0.0))
        assert line.held == pytest.approx(held.get(symbol, 0.0))
        assert line.drift == pytest.approx(held.get(symbol, 0.0) - target.get(symbol, 0.0))
    drifts = [abs(d.drift) for d in overview.drift]
    assert drifts == sorted(drifts, reverse=True)


def test_sleeve_values_and_pnl_shares_by_hand() -> None:
    def book(name: str, value: str | None, realized: str, unrealized: str) -> SleeveBookView:
        holding = SleeveHoldingView(
            symbol="SPY",
            qty=Decimal("1"),
            avg_cost=Decimal("1"),
            market_value=None if value is None else Decimal(value),
        )
        return SleeveBookView(
            sleeve=name,
            holdings=[holding],
            realized_pnl=Decimal(realized),
            unrealized_pnl=Decimal(unrealized),
        )

    books = [book("a", "500.5", "10", "-4"), book("b", None, "0", "2")]
    service = DashboardService(_NoHistory())
    values = {v.sleeve: v for v in service.overview(_status(books)).sleeves}
    assert values["a"].value == Decimal("500.5") and values["b"].value is None
    assert values["a"].total_pnl == Decimal("6") and values["b"].total_pnl == Decimal("2")
    assert values["a"].pnl_share == pytest.approx(0.75)
    assert values["b"].pnl_share == pytest.approx(0.25)


def test_sleeves_allocation_over_time_and_decision_spans(
    written: tuple[DashboardService, list[WrittenDay]],
) -> None:
    service, history = written
    result = service.sleeves(_status())
    assert [s.sleeve for s in result.sleeves] == list(SLEEVES)
    for view in result.sleeves:
        first, second = SLEEVES[view.sleeve]
        series = view.allocation_history
        assert series.days == [w.day for w in history]
        took_then = [w.branches[view.sleeve] == "then" for w in history]
        assert series.weights[first] == [1.0 if t else 0.0 for t in took_then]
        assert series.weights[second] == [0.0 if t else 1.0 for t in took_then]
        # Spans: consecutive days with the same branch (itertools.groupby over the inputs).
        runs = [
            (branch, [w.day for w in group])
            for branch, group in itertools.groupby(history, key=lambda w: w.branches[view.sleeve])
        ][::-1]
        assert len(view.decisions) == len(runs)
        for span, (branch, days) in zip(view.decisions, runs, strict=True):
            assert (span.first_day, span.last_day, span.runs) == (days[0], days[-1], len(days))
            assert span.path == [f"rsi({first}, 10) > 50 → {branch}"]
            assert span.weights == {first if branch == "then" else second: 1.0}


def test_what_is_kept_is_renewed_when_a_run_is_written(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ledger = SqlLedger(f"sqlite:///{tmp_path_factory.mktemp('renew') / 'ledger.db'}")
    days = weekdays(dt.date(2025, 6, 30), 4)
    write_daily_runs(ledger, days[:3])
    service = DashboardService(bootstrap.portfolio_history(ledger))
    assert len(service.overview(_status()).equity_curve) == 3
    assert len(service.sleeves(_status()).sleeves[0].allocation_history.days) == 3
    newest = write_daily_runs(ledger, days[3:], seed=11)[0]
    overview = service.overview(_status())
    assert [p.day for p in overview.equity_curve] == days
    assert overview.equity_curve[-1].equity == newest.equity
    assert overview.target_run_id == newest.run_id
    assert service.sleeves(_status()).sleeves[0].allocation_history.days == days


class _NoHistory:
    def revision(self, broker: str) -> str:
        return "0"

    def account_curve(self, broker: str) -> list[object]:
        return []

    def signal_history(self, broker: str) -> list[object]:
        return []

    def latest_target(self, broker: str) -> None:
        return None
