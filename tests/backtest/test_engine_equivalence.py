"""The vectorised backtest equals a plain day-by-day loop that re-evaluates the tree every date.

Built-ins over 3 years of synthetic data (plus a warm-up). Both sides start from the same
first session of history, so even recursive indicators (RSI, EMA) see identical inputs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from alchemiser.application.backtest import BacktestConfig, SleeveInput, run_backtest
from alchemiser.application.research.work import HistorySource
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.domain.symphony.builtins import builtin
from alchemiser.domain.symphony.evaluator import required_tickers
from alchemiser.domain.symphony.tree import RebalanceFrequency, RebalanceRule
from alchemiser.infrastructure.marketdata.synthetic import synthetic_history
from tests.backtest.reference_loop import reference_equity

YEARS = 3
SESSIONS = 252 * YEARS
WARMUP = {"nuclear": 280, "tecl": 280, "klm": 60}
"""Sessions before the 3 years: enough for each tree to be defined (klm's windows are short and
its per-date evaluation is the slowest, so it gets the least)."""
END = dt.date(2025, 10, 31)


@pytest.mark.parametrize("name", ["nuclear", "tecl", "klm"])
def test_vectorised_equals_day_by_day_reference(name: str) -> None:
    symphony = builtin(name)
    history = synthetic_history(
        sorted(required_tickers(symphony)), sessions=SESSIONS + WARMUP[name], end=END
    )
    start = len(history) - SESSIONS
    start_day = dt.date.fromisoformat(str(history.dates[start]))
    config = BacktestConfig(
        start=start_day, capital=100_000.0, costs=CostModel(slippage_bps=1.0), benchmark=None
    )
    result = run_backtest([SleeveInput(name, symphony, 1.0)], HistorySource(history), config)
    assert result.start == start_day, "the warm-up must be long enough for this strategy"
    assert len(result.dates) == SESSIONS
    expected = reference_equity(symphony, history, start=start, capital=100_000.0)
    np.testing.assert_allclose(result.equity, expected, rtol=1e-9)
    # The strategy actually traded: a flat curve would prove nothing.
    assert result.sleeves[0].simulation.rebalanced.sum() > 1
    assert result.equity.std() > 1_000


@pytest.mark.parametrize(
    "frequency",
    [RebalanceFrequency.WEEKLY, RebalanceFrequency.MONTHLY, RebalanceFrequency.QUARTERLY],
)
def test_calendar_rules_equal_the_reference(frequency: RebalanceFrequency) -> None:
    """tecl (cheap to re-evaluate) under each calendar rule: drift between period starts."""
    symphony = dataclasses.replace(builtin("tecl"), rebalance=RebalanceRule(frequency))
    history = synthetic_history(
        sorted(required_tickers(symphony)), sessions=SESSIONS + WARMUP["tecl"], end=END
    )
    start = len(history) - SESSIONS
    start_day = dt.date.fromisoformat(str(history.dates[start]))
    config = BacktestConfig(start=start_day, benchmark=None)
    result = run_backtest([SleeveInput("tecl", symphony, 1.0)], HistorySource(history), config)
    assert result.sleeves[0].policy.label() == frequency.value
    expected = reference_equity(symphony, history, start=start, capital=100_000.0)
    np.testing.assert_allclose(result.equity, expected, rtol=1e-9)
    rebalances = int(result.sleeves[0].simulation.rebalanced.sum())
    assert rebalances < SESSIONS / 4
