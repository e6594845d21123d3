"""Backtest use case: evaluate each sleeve once over history, simulate, combine, measure."""

from alchemiser.application.backtest.backtester import (
    BacktestConfig,
    BacktestResult,
    SleeveInput,
    SleeveResult,
    run_backtest,
)

__all__ = ["BacktestConfig", "BacktestResult", "SleeveInput", "SleeveResult", "run_backtest"]
