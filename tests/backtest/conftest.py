"""Fixtures of the backtest tests: a market data source over a fixed history, and a small result."""

from __future__ import annotations

import datetime as dt

import pytest

from alchemiser.application.backtest import (
    BacktestConfig,
    BacktestResult,
    SleeveInput,
    run_backtest,
)
from alchemiser.domain.portfolio.sleeves import DEFAULT_PORTFOLIO
from alchemiser.domain.symphony.builtins import builtin
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket


@pytest.fixture(scope="session")
def synthetic_market() -> SyntheticMarket:
    return SyntheticMarket(7, today=dt.date(2025, 10, 31))


@pytest.fixture(scope="session")
def default_sleeves() -> list[SleeveInput]:
    return [
        SleeveInput(s.name, builtin(s.symphony), s.allocation) for s in DEFAULT_PORTFOLIO.sleeves
    ]


@pytest.fixture(scope="session")
def portfolio_result(
    synthetic_market: SyntheticMarket, default_sleeves: list[SleeveInput]
) -> BacktestResult:
    """The default 3-sleeve portfolio over 2019–2025 of the synthetic market."""
    config = BacktestConfig(start=dt.date(2019, 1, 1))
    return run_backtest(default_sleeves, synthetic_market, config)
