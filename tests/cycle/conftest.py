"""A small deterministic world for cycle tests: flat prices, a real NYSE calendar, the real
simulated broker, the real SQL ledger, the real strategy manager and the real trading engine.

Prices are flat so every expected number can be computed by hand; the sim broker starts at
15:46 ET on Friday 2026-11-20, inside the trading window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.ports.ledger import Ledger
from alchemiser.application.rebalancing_orchestrator import RebalancingOrchestrator
from alchemiser.application.settings import (
    ExecutionSettings,
    MarketDataSettings,
    RebalanceSettings,
    StrategySettings,
)
from alchemiser.application.strategy_manager import StrategyManager
from alchemiser.application.trading_engine import CycleRequest, CycleResult, TradingEngine
from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.portfolio.sleeves import PortfolioSpec, SleeveSpec
from alchemiser.domain.rebalance import PlanParameters
from alchemiser.domain.symphony.builder import asset, specified
from alchemiser.domain.symphony.tree import Symphony
from alchemiser.infrastructure.ledger import SqlLedger, create_ledger_engine
from alchemiser.infrastructure.ledger.cycle_lock import DatabaseCycleLock
from alchemiser.infrastructure.sim_broker import SimBroker, SimBrokerConfig

SESSION = dt.date(2026, 11, 20)
START = dt.datetime(2026, 11, 20, 20, 46, tzinfo=dt.UTC)  # 15:46 New York
PRICES = {"AAA": 100.0, "BBB": 50.0, "CCC": 20.0, "DDD": 10.0}


class FlatMarket:
    """MarketDataSource with constant prices up to the session before SESSION."""

    name = "flat"
    synthetic = True

    def __init__(self, prices: Mapping[str, float]) -> None:
        self.prices = dict(prices)
        self.calendar = bootstrap.trading_calendar()

    def history(
        self, tickers: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> PriceHistory:
        self._check(tickers)
        last = self.calendar.previous_session(SESSION)
        stop = min(end, last) if end else last
        dates = self.calendar.sessions(start or dt.date(2025, 1, 1), stop)
        return PriceHistory.from_columns(
            dates, {t: np.full(len(dates), self.prices[t]) for t in tickers}, source="flat"
        )

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        self._check(tickers)
        return {t: self.prices[t] for t in tickers}

    def _check(self, tickers: Sequence[str]) -> None:
        for t in tickers:
            if t not in self.prices:
                raise DataError(f"{t}: no such ticker in the flat market", context={"ticker": t})


def fixed(name: str, weights: Mapping[str, float]) -> Symphony:
    """A symphony that always holds `weights`."""
    return Symphony(name, specified(*((w, asset(t)) for t, w in weights.items())))


@dataclass
class World:
    tmp_path: Path
    config: SimBrokerConfig = field(default_factory=SimBrokerConfig)
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    strategy: StrategySettings = field(default_factory=StrategySettings)
    params: PlanParameters = field(default_factory=PlanParameters)
    symphonies: dict[str, Symphony] = field(default_factory=dict)
    prices: dict[str, float] = field(default_factory=lambda: dict(PRICES))
    start: dt.datetime = START
    wrap_broker: Callable[[Any], Any] = lambda broker: broker
    wrap_ledger: Callable[[Any], Any] = lambda ledger: ledger
    make_broker: Callable[[World], Any] | None = None
    """Another broker than the simulated one (e.g. Alpaca on the test server); `sim` is then
    that broker, unwrapped."""

    def __post_init__(self) -> None:
        self.url = f"sqlite:///{self.tmp_path / 'ledger.sqlite3'}"
        self.market = FlatMarket(self.prices)
        self.reopen()

    def reopen(self) -> None:
        """A fresh process: new broker object on the same database, new ledger, new engine."""
        self.sim = (
            self.make_broker(self)
            if self.make_broker is not None
            else SimBroker(
                market_data=self.market,
                calendar=self.market.calendar,
                engine=create_ledger_engine(self.url),
                config=self.config,
                start_at=self.start,
            )
        )
        self.store = SqlLedger(self.url)
        self.broker = self.wrap_broker(self.sim)
        self.ledger: Ledger = self.wrap_ledger(self.store)
        self.errors = ErrorHandler()
        self.orchestrator = RebalancingOrchestrator(
            self.broker,
            self.ledger,
            plan_parameters=self.params,
            execution=self.execution,
            errors=self.errors,
        )
        self.engine = TradingEngine(
            broker=self.broker,
            ledger=self.ledger,
            strategies=StrategyManager(self.market, self.symphonies.__getitem__, history_years=1),
            market_data=self.market,
            calendar=self.market.calendar,
            load_symphony=self.symphonies.__getitem__,
            orchestrator=self.orchestrator,
            execution=self.execution,
            market=MarketDataSettings(),
            strategy=self.strategy,
            rebalance=RebalanceSettings(),
            errors=self.errors,
            cycle_lock=DatabaseCycleLock(self.store.engine),
        )

    def trade(
        self, sleeves: Mapping[str, tuple[Mapping[str, float], float]], **request: Any
    ) -> CycleResult:
        """One cycle of sleeves {name: (weights, allocation)}; `request`: dry_run, force."""
        for name, (weights, _) in sleeves.items():
            if weights:
                self.symphonies[name] = fixed(name, weights)
        spec = PortfolioSpec(
            tuple(SleeveSpec(name, name, alloc) for name, (_, alloc) in sleeves.items())
        )
        return self.engine.run(CycleRequest(spec, "sim", {}, **request))

    def close(self) -> None:
        """Release the ledger's connections and the broker's (stream threads, sessions)."""
        self.store.close()
        closing = getattr(self.sim, "close", None)
        if closing is not None:
            closing()

    def positions(self) -> dict[str, Decimal]:
        return {str(p.symbol): p.qty for p in self.sim.positions()}

    def weights(self) -> dict[str, float]:
        account = self.sim.account()
        return {str(p.symbol): float(p.market_value / account.equity) for p in account.positions}


@pytest.fixture
def world(tmp_path: Path) -> Callable[..., World]:
    return lambda **kwargs: World(tmp_path, **kwargs)
