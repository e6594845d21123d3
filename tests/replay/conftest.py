"""Replays on the synthetic market in early 2016: shorter histories than today keep evaluation
fast, and its leveraged funds are already priced low enough to be bought (earlier, some cost
more than $10^11 a share and round to zero shares: a real, reported cause of difference)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.replay.service import ReplayService
from alchemiser.domain.market.price_history import PriceHistory, as_day

START = dt.date(2016, 1, 4)
FINGERPRINT = {"test": "replay"}


def zero_cost_settings(data_dir: Path) -> bootstrap.Settings:
    """Fractional shares, no spread, no fees (the sim broker charges none), no trade thresholds
    and no buying-power buffer: the account goes back to target every day, fully invested, as in
    the backtest. (With the default 3 % buffer the top-up leaves ~0.09 % of each day's buys in
    cash: −5.9 bp over 2016, all of it on the reconciliation's cash-buffer line.)"""
    return bootstrap.load_settings(
        data_dir=data_dir,
        sim_broker={"spread_bps": Decimal(0)},
        rebalance={"min_drift": 0, "min_order_value": 0, "buying_power_buffer": 0},
    )


def service(
    data_dir: Path, source: MarketDataSource | None = None, *, precompute: bool = True
) -> ReplayService:
    settings = zero_cost_settings(data_dir)
    return bootstrap.replay_service(
        settings,
        source=source or bootstrap.market_data_source(settings, "synthetic"),
        errors=ErrorHandler(bootstrap.redactor_for(settings)),
        precompute=precompute,
    )


class Perturbed:
    """The synthetic market with every close after `after` multiplied by a random factor."""

    def __init__(self, source: MarketDataSource, after: dt.date, seed: int = 3) -> None:
        self._source = source
        self._after = as_day(after)
        self._rng = np.random.default_rng(seed)
        self._factors: dict[str, np.ndarray] = {}
        self.changed = False

    @property
    def name(self) -> str:
        return self._source.name

    @property
    def synthetic(self) -> bool:
        return True

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        base = self._source.history(tickers, start, end)
        close = base.close.copy()
        later = base.dates > self._after
        for j, ticker in enumerate(base.tickers):
            factor = self._factor(ticker, base.dates)
            close[later, j] *= factor[later]
        if later.any():
            self.changed = True
        return PriceHistory(
            dates=base.dates, tickers=base.tickers, close=close, source=base.source, synthetic=True
        )

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        raise AssertionError("a replay must price from the cut history, not the live source")

    def _factor(self, ticker: str, dates: np.ndarray) -> np.ndarray:
        # one factor per calendar day, fixed per ticker, so every call sees the same market
        if ticker not in self._factors:
            self._factors[ticker] = self._rng.uniform(0.5, 1.5, 40_000)
        days = (dates - np.datetime64("1990-01-01")).astype(int)
        result: np.ndarray = self._factors[ticker][days]
        return result
