"""The replay use case: the real trading cycle once per past session, on the simulated broker.

Each session gets a market cut at its decision time (CutMarketData), a simulated broker whose
clock starts at that session's trading window, and the very TradingEngine, orchestrator,
execution manager, ledger and attribution `trade` uses. The ledger is the replay's own.
After each session the account at the close is appended to the progress store, so a replay
interrupted anywhere (Ctrl-C included) resumes with the first session not yet recorded: an
interrupted cycle is left "running" in the ledger and the next cycle recovers it, as in `trade`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.cycle_lock import CycleLock
from alchemiser.application.ports.halt import HaltSwitch
from alchemiser.application.ports.ledger import Ledger
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.rebalancing_orchestrator import RebalancingOrchestrator
from alchemiser.application.replay.cut_market import CutMarketData
from alchemiser.application.replay.parity import blended_backtest, parity_report
from alchemiser.application.replay.progress import ProgressStore, SessionRecord
from alchemiser.application.replay.range_signals import RangeStrategyManager
from alchemiser.application.results.replay import ParityReport
from alchemiser.application.risk_gate import RiskGate
from alchemiser.application.settings import (
    ExecutionSettings,
    MarketDataSettings,
    RebalanceSettings,
    StrategySettings,
)
from alchemiser.application.strategy_manager import StrategyManager
from alchemiser.application.trading_engine import CycleRequest, TradingEngine, trading_window
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.domain.errors import ConfigurationError, DataError
from alchemiser.domain.market.price_history import to_date
from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.rebalance import PlanParameters
from alchemiser.domain.symphony.tree import Symphony
from alchemiser.domain.trading import Side

REPLAY_HISTORY_YEARS = 1000
"""History reaches the source's first date, as in the backtest (history_start None): recursive
indicators then see the same warm-up in both, and one evaluation serves the whole range."""

BrokerFactory = Callable[[MarketDataSource, dt.datetime], Broker]
"""(market cut at the session, moment the broker's clock starts) → the simulated broker."""

RiskFactory = Callable[[PortfolioSpec, MarketDataSource, Broker], tuple[RiskGate, HaltSwitch]]
"""(portfolio, market cut at the session, the session's broker) → the risk rules `trade` applies
(the portfolio's `[risk]` over the settings') and the replay's own halt switch, which a breaker
throws and later sessions obey, as an unattended account would."""

Progress = Callable[[int, int], None]
"""(sessions done, sessions in total), after each session."""


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    execution: ExecutionSettings
    market: MarketDataSettings
    strategy: StrategySettings
    rebalance: RebalanceSettings


class ReplayService:
    def __init__(
        self,
        *,
        source: MarketDataSource,
        calendar: TradingCalendar,
        ledger: Ledger,
        progress: ProgressStore,
        make_broker: BrokerFactory,
        load_symphony: Callable[[str], Symphony],
        settings: ReplaySettings,
        errors: ErrorHandler,
        cycle_lock: CycleLock,
        precompute: bool = True,
        make_risk: RiskFactory | None = None,
    ) -> None:
        self._source = source
        self._calendar = calendar
        self._ledger = ledger
        self._progress = progress
        self._make_broker = make_broker
        self._load = load_symphony
        self._settings = settings
        self._errors = errors
        self._cycle_lock = cycle_lock
        self._precompute = precompute
        self._make_risk = make_risk

    def sessions(self, start: dt.date, end: dt.date) -> list[dt.date]:
        days = [to_date(d) for d in self._calendar.sessions(start, end)]
        if not days:
            raise ConfigurationError(
                f"no NYSE session between {start} and {end}",
                context={"setting": "start"},
                suggested_action="Pick a range containing trading days.",
            )
        return days

    def run(
        self,
        portfolio: PortfolioSpec,
        start: dt.date,
        end: dt.date,
        *,
        fingerprint: Mapping[str, Any],
        on_progress: Progress | None = None,
    ) -> list[SessionRecord]:
        """Replay every session of [start, end] not already done; the records of all of them."""
        sessions = self.sessions(start, end)
        done = self._resume(_digest(fingerprint))
        strategies = (
            RangeStrategyManager(
                self._source,
                self._load,
                end=sessions[-1],
                history_years=REPLAY_HISTORY_YEARS,
            )
            if self._precompute
            else None
        )
        last = done[-1].session if done else None
        for i, session in enumerate(sessions):
            if last is not None and session <= last:
                continue
            with self._progress.session():
                record = self._one(portfolio, session, strategies, fingerprint)
                self._progress.append(record)
            done.append(record)
            if on_progress is not None:
                on_progress(i + 1, len(sessions))
        return [r for r in done if start <= r.session <= end]

    def compare(
        self,
        portfolio: PortfolioSpec,
        records: list[SessionRecord],
        *,
        costs: CostModel,
        capital: float,
        non_fractionable: frozenset[str] = frozenset(),
    ) -> ParityReport:
        """The parity report of `records` against the blended backtest on the same sessions."""
        if not records:
            raise DataError("nothing was replayed: no session to compare", context={})
        backtest = blended_backtest(
            portfolio,
            self._load,
            self._source,
            [r.session for r in records],
            capital=capital,
            costs=costs,
        )
        return parity_report(
            records,
            backtest,
            source=self._source.name,
            costs=costs,
            capital=capital,
            details=self._ledger.run_detail,
            non_fractionable=non_fractionable,
            cash_reserve=self._settings.rebalance.cash_reserve,
        )

    def _resume(self, digest: str) -> list[SessionRecord]:
        saved = self._progress.load()
        if saved is None:
            self._progress.begin(digest)
            return []
        if saved.fingerprint != digest:
            raise ConfigurationError(
                "the replay data directory holds a replay of another portfolio, start or "
                "cost setting; resuming it would mix two replays",
                context={"setting": "data_dir"},
                suggested_action="Use another --data-dir (or delete that directory's replay).",
            )
        return list(saved.sessions)

    def _one(
        self,
        portfolio: PortfolioSpec,
        session: dt.date,
        strategies: StrategyManager | None,
        config: Mapping[str, Any],
    ) -> SessionRecord:
        market = CutMarketData(self._source, session)
        opens, _ = trading_window(self._calendar, self._settings.execution, session)
        if opens is None:  # sessions() only yields sessions
            raise DataError(f"{session} is not a trading session", context={"date": str(session)})
        broker = self._make_broker(market, opens)
        risk, halt = self._make_risk(portfolio, market, broker) if self._make_risk else (None, None)
        orchestrator = RebalancingOrchestrator(
            broker,
            self._ledger,
            plan_parameters=PlanParameters.from_settings(self._settings.rebalance),
            execution=self._settings.execution,
            errors=self._errors,
            risk=risk,
        )
        engine = TradingEngine(
            broker=broker,
            ledger=self._ledger,
            strategies=strategies
            or StrategyManager(
                market,
                self._load,
                history_years=REPLAY_HISTORY_YEARS,
                today=lambda: session,
            ),
            market_data=market,
            calendar=self._calendar,
            load_symphony=self._load,
            orchestrator=orchestrator,
            execution=self._settings.execution,
            market=self._settings.market,
            strategy=self._settings.strategy,
            rebalance=self._settings.rebalance,
            errors=self._errors,
            cycle_lock=self._cycle_lock,
            halt=halt,
        )
        result = engine.run(CycleRequest(portfolio=portfolio, mode="replay", config=config))
        account = broker.account()
        traded = fill_cost = Decimal(0)
        orders = 0
        if result.outcome is not None:
            orders = len(result.outcome.orders)
            traded = sum((r.filled_value for r in result.outcome.results), Decimal(0))
            fill_cost = sum(
                (
                    (r.filled_value - r.filled_qty * r.decision_price)
                    * (1 if r.side is Side.BUY else -1)
                    for r in result.outcome.results
                ),
                Decimal(0),
            )
        return SessionRecord(
            session=session,
            run_id=result.run_id,
            status=str(result.status.value),
            equity=float(account.equity),
            cash=float(account.cash),
            values={str(p.symbol): float(p.market_value) for p in account.positions},
            traded_value=float(traded),
            fill_cost=float(fill_cost),
            orders=orders,
            errors=[e.message for e in result.errors],
        )


def _digest(fingerprint: Mapping[str, Any]) -> str:
    text = json.dumps(fingerprint, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
