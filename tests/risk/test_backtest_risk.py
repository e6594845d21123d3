"""The backtest applies the same pipeline (SPEC §14): a 3-sleeve portfolio of leveraged
symphonies under an exposure cap of 1.5, and the drawdown breaker over history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alchemiser.application.backtest import (
    BacktestConfig,
    BacktestResult,
    SleeveInput,
    run_backtest,
)
from alchemiser.application.services.backtest import BacktestOptions, summary_of
from alchemiser.domain.risk.funds import fund_table
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.rules.exposure import effective_exposure
from alchemiser.domain.symphony.builtins import builtin
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket
from alchemiser.interface.reports.tearsheet import render_tearsheet

pytestmark = pytest.mark.timeout(300)

SLEEVES = [("tecl", 0.5), ("nuclear", 0.3), ("klm", 0.2)]  # all hold 3x funds


@pytest.fixture(scope="module")
def market() -> SyntheticMarket:
    return SyntheticMarket(7, today=dt.date(2025, 10, 31))


@pytest.fixture(scope="module")
def capped(market: SyntheticMarket) -> BacktestResult:
    sleeves = [SleeveInput(name, builtin(name), alloc) for name, alloc in SLEEVES]
    config = BacktestConfig(start=dt.date(2021, 1, 1), risk=RiskLimits(max_effective_exposure=1.5))
    return run_backtest(sleeves, market, config)


def test_exposure_cap_intervenes_on_some_sessions_and_lowers_the_drawdown(
    capped: BacktestResult,
) -> None:
    assert capped.unconstrained is not None
    sessions_hit = {i.day for i in capped.interventions}
    assert 0 < len(sessions_hit) < len(capped.dates)
    assert capped.metrics.max_drawdown < capped.unconstrained.metrics.max_drawdown
    for item in capped.interventions:
        assert item.intervention.rule == "max_effective_exposure"
        assert item.intervention.after == 1.5 < item.intervention.before
    # On a session where every sleeve trades to its target, the held exposure is the capped one
    # (the unconstrained run holds more on the same sessions).
    tickers = capped.tickers
    day = sorted(sessions_hit)[0]
    row = int(np.flatnonzero(capped.dates == np.datetime64(day))[0])
    held = {t: float(capped.weights[row, j]) for j, t in enumerate(tickers)}
    free = {t: float(capped.unconstrained.weights[row, j]) for j, t in enumerate(tickers)}
    assert effective_exposure(held, fund_table()) < effective_exposure(free, fund_table())


def test_tearsheet_shows_both_runs_and_the_rule_counts(capped: BacktestResult) -> None:
    html = render_tearsheet(capped)
    assert 'id="risk-table"' in html
    assert "max_effective_exposure" in html
    assert html.count("Without risk rules") >= 3  # metrics column, equity and drawdown traces
    payload = summary_of(capped, BacktestOptions()).model_dump(mode="json")
    assert payload["risk"]["intervention_counts"]["max_effective_exposure"] == len(
        {i.day for i in capped.interventions}
    )
    assert set(payload["interventions"][0]) == {
        "date",
        "rule",
        "ticker",
        "before",
        "after",
        "action",
        "reason",
    }


def test_drawdown_breaker_goes_to_cash_for_the_rest_of_the_backtest(
    market: SyntheticMarket,
) -> None:
    sleeves = [SleeveInput("tecl", builtin("tecl"), 1.0)]
    config = BacktestConfig(start=dt.date(2021, 1, 1), risk=RiskLimits(max_drawdown=0.25))
    result = run_backtest(sleeves, market, config)
    assert result.unconstrained is not None
    assert result.unconstrained.metrics.max_drawdown > 0.25  # the rule has something to do
    [trip] = [i for i in result.interventions if i.intervention.rule == "drawdown_breaker"]
    row = int(np.flatnonzero(result.dates == np.datetime64(trip.day))[0])
    assert result.weights[row:].sum() == 0  # all cash from the tripping session on
    assert np.all(result.equity[row + 1 :] == result.equity[row])
    # before the trip both runs are the same path
    np.testing.assert_allclose(result.equity[:row], result.unconstrained.equity[:row])
    peak = np.maximum.accumulate(result.equity[:row]).max()
    assert result.equity[row - 1] >= peak * (1 - 0.25) - 1e-6


def test_a_blocking_rule_stops_trading_on_the_sessions_it_breaches(
    market: SyntheticMarket,
) -> None:
    from alchemiser.domain.risk.model import RiskAction

    sleeves = [SleeveInput(name, builtin(name), alloc) for name, alloc in SLEEVES]
    limits = RiskLimits(
        max_effective_exposure=1.5, actions={"max_effective_exposure": RiskAction.BLOCK}
    )
    result = run_backtest(sleeves, market, BacktestConfig(start=dt.date(2023, 1, 1), risk=limits))
    blocked = {i.day for i in result.interventions}
    assert blocked and all(i.intervention.action is RiskAction.BLOCK for i in result.interventions)
    assert len(blocked) < len(result.dates)
    for sleeve in result.sleeves:
        rebalanced = sleeve.simulation.rebalanced
        for row, day in enumerate(result.dates):
            if row and np.datetime64(day, "D").astype(object) in blocked:
                assert not rebalanced[row]  # no trade on a blocked session: holdings drift
    assert any(s.simulation.rebalanced[1:].any() for s in result.sleeves)
