"""Composition root: the one place that turns settings into concrete adapters.

The interface layer asks this module for what it needs; it never imports infrastructure itself,
so swapping an adapter (sim ↔ Alpaca, SQLite ↔ server database) is a change here only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.redaction import Redactor
from alchemiser.domain.symphony.builtins import BUILTIN_NAMES
from alchemiser.infrastructure.config.portfolio_file import load_portfolio
from alchemiser.infrastructure.config.settings import Settings, load_settings
from alchemiser.infrastructure.logging_setup import configure_logging

if TYPE_CHECKING:
    # only annotations here: the adapters are imported where they are built, so a quick
    # command (`status`) does not pay for notifications, research or risk it never uses
    from alchemiser.application.autopilot.runtime import AutopilotRuntime
    from alchemiser.application.autopilot.status import StatusReader
    from alchemiser.application.error_handler import ErrorHandler
    from alchemiser.application.notifications import NotificationDispatcher
    from alchemiser.application.ports.autopilot_store import AutopilotStore
    from alchemiser.application.ports.backtest_archive import BacktestArchive
    from alchemiser.application.ports.broker import Broker
    from alchemiser.application.ports.calendar import TradingCalendar
    from alchemiser.application.ports.clock import Clock
    from alchemiser.application.ports.cycle_lock import CycleLock
    from alchemiser.application.ports.halt import HaltSwitch
    from alchemiser.application.ports.ledger import Ledger
    from alchemiser.application.ports.market_data import FetchProgress, MarketDataSource
    from alchemiser.application.ports.notifier import Notifier
    from alchemiser.application.ports.portfolio_history import PortfolioHistory
    from alchemiser.application.replay.service import ReplayService
    from alchemiser.application.research.executor import ResearchExecutor
    from alchemiser.application.results.config import EffectiveConfig
    from alchemiser.application.risk_gate import RiskGate
    from alchemiser.application.services.signal import SignalService
    from alchemiser.application.services.trade import TradeService
    from alchemiser.application.settings import RiskSettings
    from alchemiser.application.trading_engine import TradingEngine
    from alchemiser.domain.symphony.tree import Symphony
    from alchemiser.domain.trading import MarketClock
    from alchemiser.infrastructure.marketdata.cache_entry import CacheEntry
    from alchemiser.infrastructure.notifications.report_files import RunReportWriter

__all__ = ["Settings", "load_settings", "portfolio_of", "redactor_for", "setup_logging"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def market_data_source(
    settings: Settings, spec: str | None = None, *, progress: FetchProgress | None = None
) -> MarketDataSource:
    """The price source named by `spec` ("synthetic", "yahoo", "alpaca", "files:PATH") or by
    settings.market_data.source; network and file sources are wrapped with the local cache.
    `progress` is told how many tickers of a network fetch have arrived."""
    from alchemiser.infrastructure.marketdata.factory import build_market_data_source

    return build_market_data_source(settings, spec, progress=progress)


def trading_calendar() -> TradingCalendar:
    """The NYSE calendar (built once per process)."""
    from alchemiser.infrastructure.calendar import nyse_calendar

    return nyse_calendar()


def market_data_cache_entries(settings: Settings) -> list[CacheEntry]:
    """What the local price cache holds, per source and ticker (`alchemiser data status`)."""
    from alchemiser.infrastructure.marketdata.factory import cache_entries

    return cache_entries(settings)


def research_executor(*, ray: str | None = None, workers: int | None = None) -> ResearchExecutor:
    """Where sweeps and many-file backtests run: a Ray cluster when `ray` names one ("auto",
    "local" or an address; needs the `ray` extra), else a local process pool of `workers`
    processes (default: every core)."""
    if ray is not None:
        from alchemiser.infrastructure.research.ray_cluster import RayExecutor, import_ray

        import_ray()  # fail before any work with how to install it
        return RayExecutor(ray)
    from alchemiser.infrastructure.research.local_pool import LocalPoolExecutor

    return LocalPoolExecutor(workers)


def redactor_for(settings: Settings) -> Redactor:
    return Redactor(settings.secret_values())


def secret_looking_values() -> list[str]:
    """Values of variables whose names say secret (environment and `.env`), for the redactor
    when the settings themselves could not be read."""
    from alchemiser.infrastructure.config.settings_errors import secret_looking_values

    return secret_looking_values()


def setup_logging(settings: Settings, *, verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    configure_logging(
        level=level,
        json_lines=settings.log_json,
        redactor=redactor_for(settings),
        third_party=verbose,
    )


def portfolio_of(settings: Settings, **overrides: Any) -> PortfolioSpec:
    """The configured sleeves (the portfolio file, or the default 0.3 / 0.5 / 0.2)."""
    path = overrides.get("portfolio_file") or settings.portfolio_file  # None = not given
    return load_portfolio(path, BUILTIN_NAMES)


def risk_settings(settings: Settings, portfolio: PortfolioSpec) -> RiskSettings:
    """The effective risk limits: the settings' `risk`, overridden key by key by the portfolio
    file's `[risk]` table (per rule for `actions`)."""
    from alchemiser.application.risk_gate import effective_risk

    return effective_risk(settings.risk, portfolio)


def load_symphony(ref: str) -> Symphony:
    """A built-in strategy by name (nuclear, tecl, klm), else a `.clj`/JSON symphony file."""
    if ref.strip().lower() in BUILTIN_NAMES:
        from alchemiser.domain.symphony.builtins import builtin

        return builtin(ref)
    from alchemiser.infrastructure.symphony_files import load_symphony_file

    return load_symphony_file(ref)


def notification_dispatcher(
    settings: Settings,
    errors: ErrorHandler,
    now: Callable[[], dt.datetime] | None = None,
) -> NotificationDispatcher:
    """Every configured channel; an empty dispatcher when none is (nothing is sent)."""
    from alchemiser.application.notifications import NotificationDispatcher
    from alchemiser.infrastructure.notifications.cooldown import FileCooldown
    from alchemiser.infrastructure.notifications.email import SmtpEmailNotifier
    from alchemiser.infrastructure.notifications.rendering import MessageRenderer
    from alchemiser.infrastructure.notifications.webhook import WebhookNotifier

    config = settings.notifications
    renderer = MessageRenderer(redactor_for(settings))
    notifiers: list[Notifier] = []
    if config.email.enabled:
        notifiers.append(SmtpEmailNotifier(config.email, renderer))
    if config.webhook.url is not None:
        notifiers.append(
            WebhookNotifier(config.webhook.url, renderer, timeout=config.webhook.timeout_seconds)
        )
    return NotificationDispatcher(
        notifiers,
        errors=errors,
        enabled=config.events,
        cooldown=FileCooldown(settings.data_dir / "notification-cooldown.json"),
        cooldown_minutes=config.cooldown_minutes,
        now=now or _utc_now,
    )


def run_report_writer(settings: Settings) -> RunReportWriter | None:
    """Writes run reports as HTML beside the ledger, unless switched off."""
    if not settings.notifications.write_report_files:
        return None
    from alchemiser.infrastructure.notifications.rendering import MessageRenderer
    from alchemiser.infrastructure.notifications.report_files import RunReportWriter

    return RunReportWriter(settings.reports_dir, MessageRenderer(redactor_for(settings)))


def sim_broker(
    settings: Settings,
    market_data: MarketDataSource | None = None,
    now: Callable[[], dt.datetime] | None = None,
    start_at: dt.datetime | None = None,
) -> Broker:
    """The embedded simulated broker, its account kept in the ledger database
    (settings.ledger_url) and priced from `market_data` (default: the configured source).
    `start_at` moves simulated time to that moment (the autopilot's clock); by default it
    starts at the trading window of the latest session as of `now`."""
    from alchemiser.infrastructure.ledger import create_ledger_engine
    from alchemiser.infrastructure.sim_broker import SimBroker, config_from_settings

    return SimBroker(
        market_data=market_data or market_data_source(settings),
        calendar=trading_calendar(),
        engine=create_ledger_engine(settings.ledger_url),
        config=config_from_settings(settings.sim_broker),
        window=(settings.execution.window_start, settings.execution.early_close_window_start),
        now=now or _utc_now,
        start_at=start_at,
    )


def alpaca_broker(settings: Settings, *, live: bool) -> Broker:
    """Alpaca paper (default) or live: live needs `live=True` (the CLI's --live) and the live
    key pair; missing keys raise ConfigurationError naming the variables. Call `close()` on
    the result when done (it stops the trade-stream thread)."""
    from alchemiser.infrastructure.alpaca import build_alpaca_broker

    return build_alpaca_broker(settings, live=live)


def cycle_lock(settings: Settings) -> CycleLock:
    """The one-cycle-per-account lock on the ledger's database (SPEC §13). The ledger is opened
    (so migrated) first: on a fresh database the lock's holder table must exist."""
    from alchemiser.infrastructure.ledger import SqlLedger
    from alchemiser.infrastructure.ledger.cycle_lock import DatabaseCycleLock

    return DatabaseCycleLock(SqlLedger(settings.ledger_url).engine)


def check_broker_settings(settings: Settings) -> None:
    """What `trade` would refuse about the broker settings, raised now (`config check`)."""
    from alchemiser.infrastructure.alpaca.factory import check_alpaca_settings

    check_alpaca_settings(settings)


def config_probes(settings: Settings, *, online: bool) -> list[tuple[str, Any]]:
    """What `config check` tries besides the symphonies: the broker settings and the ledger
    database (connects); with `online` also the broker (account, clock) and one quote."""

    def broker_settings() -> str:
        check_broker_settings(settings)
        return f"{settings.broker} settings complete"

    def database() -> str:
        import sqlalchemy as sa

        from alchemiser.infrastructure.ledger.engine import create_ledger_engine

        def url_without_password(url: str) -> str:
            return sa.make_url(url).render_as_string(hide_password=True)

        try:
            engine = create_ledger_engine(settings.ledger_url)
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            engine.dispose()
        except Exception as exc:
            from alchemiser.domain.errors import ConfigurationError

            raise ConfigurationError(
                f"cannot open the ledger database {url_without_password(settings.ledger_url)}: "
                f"{type(exc).__name__}: {redactor_for(settings)(str(exc).splitlines()[0])}",
                context={"key": "database_url"},
            ) from None
        return f"{url_without_password(settings.ledger_url)} connects"

    probes: list[tuple[str, Any]] = [("broker settings", broker_settings), ("database", database)]
    if online:

        def broker_online() -> str:
            with open_broker(settings, settings.broker, live=False) as chosen:
                account = chosen.account()
                clock = chosen.clock()
            state = "open" if clock.is_open else "closed"
            return f"{chosen.name}: account answers (equity {account.equity:,.2f}); market {state}"

        def data_online() -> str:
            source = market_data_source(settings)
            price = source.latest_prices(["SPY"]).get("SPY")
            if price is None:
                raise RuntimeError(f"{source.name} returned no SPY quote")
            return f"{source.name}: SPY {price:,.2f}"

        probes += [("broker (online)", broker_online), ("market data (online)", data_online)]
    return probes


def ledger(settings: Settings) -> Ledger:
    """The ledger on settings.ledger_url (SQLite in data_dir by default), migrated to latest."""
    from alchemiser.infrastructure.ledger import SqlLedger

    return SqlLedger(settings.ledger_url)


def risk_gate(
    settings: Settings,
    portfolio: PortfolioSpec | None,
    *,
    broker: Broker,
    ledger: Ledger,
    market_data: MarketDataSource,
    halt: HaltSwitch | None = None,
) -> RiskGate:
    """The risk rules of the live cycle, reading equity history from the ledger's database and
    last closes from the market data source."""
    from alchemiser.application.risk_gate import RiskGate, last_closes_from
    from alchemiser.domain.rebalance import PlanParameters
    from alchemiser.infrastructure.ledger import SqlLedger
    from alchemiser.infrastructure.ledger.equity_history import SqlEquityHistory

    risk = settings.risk if portfolio is None else risk_settings(settings, portfolio)
    history = SqlEquityHistory(ledger.engine) if isinstance(ledger, SqlLedger) else None
    return RiskGate(
        risk,
        ledger=ledger,
        broker_name=broker.name,
        plan_parameters=PlanParameters.from_settings(settings.rebalance),
        halt=halt,
        history=history,
        last_closes=last_closes_from(market_data, trading_calendar()),
    )


def trading_engine(
    settings: Settings,
    *,
    broker: Broker,
    ledger: Ledger,
    market_data: MarketDataSource,
    errors: ErrorHandler,
    portfolio: PortfolioSpec | None = None,
    halt: HaltSwitch | None = None,
) -> TradingEngine:
    """The daily cycle wired from settings: strategies, orchestrator, calendar, quality gate,
    and the risk rules of `portfolio` (its `[risk]` over the settings' `risk`). `halt` is the
    persistent switch the drawdown breaker throws and the cycle obeys (default: the ledger's)."""
    from alchemiser.application.rebalancing_orchestrator import RebalancingOrchestrator
    from alchemiser.application.strategy_manager import StrategyManager
    from alchemiser.application.trading_engine import TradingEngine
    from alchemiser.domain.rebalance import PlanParameters

    params = PlanParameters.from_settings(settings.rebalance)
    switch = halt if halt is not None else halt_switch(settings)
    orchestrator = RebalancingOrchestrator(
        broker,
        ledger,
        plan_parameters=params,
        execution=settings.execution,
        errors=errors,
        risk=risk_gate(
            settings, portfolio, broker=broker, ledger=ledger, market_data=market_data, halt=switch
        ),
    )
    strategies = StrategyManager(
        market_data, load_symphony, history_years=settings.market_data.history_years
    )
    return TradingEngine(
        broker=broker,
        ledger=ledger,
        strategies=strategies,
        market_data=market_data,
        calendar=trading_calendar(),
        load_symphony=load_symphony,
        orchestrator=orchestrator,
        execution=settings.execution,
        market=settings.market_data,
        strategy=settings.strategy,
        rebalance=settings.rebalance,
        errors=errors,
        halt=switch,
        cycle_lock=cycle_lock(settings),
    )


def replay_service(
    settings: Settings,
    *,
    source: MarketDataSource,
    errors: ErrorHandler,
    precompute: bool = True,
) -> ReplayService:
    """The replay on its own ledger and simulated account under `settings.data_dir / "replay"`
    (never the real ledger), the broker rebuilt per session at that session's window."""

    from alchemiser.application.replay.service import ReplayService, ReplaySettings
    from alchemiser.infrastructure.ledger import SqlLedger
    from alchemiser.infrastructure.ledger.cycle_lock import DatabaseCycleLock
    from alchemiser.infrastructure.ledger.halt_switch import SqlHaltSwitch
    from alchemiser.infrastructure.replay_progress import ReplayDatabase
    from alchemiser.infrastructure.sim_broker import SimBroker, config_from_settings

    folder = replay_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    config = config_from_settings(settings.sim_broker)
    database = ReplayDatabase(folder / "ledger.sqlite3", account_id=config.account_id)
    engine = database.engine
    replay_ledger = SqlLedger(database.url, engine=engine)
    calendar = trading_calendar()

    def make_broker(market: MarketDataSource, start_at: dt.datetime) -> Broker:
        return SimBroker(
            market_data=market,
            calendar=calendar,
            config=config,
            start_at=start_at,
            store=database.sim,
        )

    def make_risk(
        portfolio: PortfolioSpec, market: MarketDataSource, broker: Broker
    ) -> tuple[RiskGate, HaltSwitch]:
        halt = SqlHaltSwitch(engine, now=lambda: broker.clock().now)  # simulated time
        gate = risk_gate(
            settings, portfolio, broker=broker, ledger=replay_ledger, market_data=market, halt=halt
        )
        return gate, halt

    return ReplayService(
        source=source,
        calendar=calendar,
        ledger=replay_ledger,
        progress=database,
        make_broker=make_broker,
        load_symphony=load_symphony,
        settings=ReplaySettings(
            execution=settings.execution,
            market=settings.market_data,
            strategy=settings.strategy,
            rebalance=settings.rebalance,
        ),
        errors=errors,
        cycle_lock=DatabaseCycleLock(engine),
        precompute=precompute,
        make_risk=make_risk,
    )


def replay_settings(
    settings: Settings, *, slippage_bps: float, data_dir: Path | None = None
) -> Settings:
    """The settings a replay runs under: the simulated broker's spread is twice the backtest's
    slippage (a market fill pays half the spread, as the backtest pays its slippage), and the
    replay's ledger lives under `data_dir` when given."""
    from decimal import Decimal

    update: dict[str, object] = {
        "sim_broker": settings.sim_broker.model_copy(
            update={"spread_bps": Decimal(repr(2 * slippage_bps))}
        )
    }
    if data_dir is not None:
        update["data_dir"] = data_dir
    return settings.model_copy(update=update)


def replay_fingerprint(
    settings: Settings, portfolio: PortfolioSpec, start: dt.date, source: MarketDataSource
) -> dict[str, Any]:
    """What a replay's progress must match to be resumed (else it starts over)."""
    return {
        "portfolio": [(s.name, s.symphony, s.allocation) for s in portfolio.sleeves],
        "start": start.isoformat(),
        "source": source.name,
        "sim_broker": settings.sim_broker.model_dump(mode="json"),
        "rebalance": settings.rebalance.model_dump(mode="json"),
        # the replay applies the risk rules: other limits would make another replay
        "risk": risk_settings(settings, portfolio).model_dump(mode="json"),
    }


def replay_dir(settings: Settings) -> Path:
    """Where a replay keeps its ledger, simulated account and progress."""
    return settings.data_dir / "replay"


# -- unattended operation (SPEC §15) ------------------------------------------------------------
def system_clock() -> Clock:
    """The real clock (tests replace this function to drive the autopilot through weeks)."""
    from alchemiser.infrastructure.system_clock import SystemClock

    return SystemClock()


def halt_switch(settings: Settings, now: Callable[[], dt.datetime] | None = None) -> HaltSwitch:
    """The kill switch kept in the ledger database."""
    from alchemiser.infrastructure.ledger import SqlLedger
    from alchemiser.infrastructure.ledger.halt_switch import SqlHaltSwitch

    engine = SqlLedger(settings.ledger_url).engine  # migrated to latest first
    return SqlHaltSwitch(engine, now=now or _utc_now)


def autopilot_store(settings: Settings) -> AutopilotStore:
    """What the autopilot reads and notes in the ledger."""
    from alchemiser.infrastructure.ledger import SqlLedger
    from alchemiser.infrastructure.ledger.autopilot_store import SqlAutopilotStore

    return SqlAutopilotStore(SqlLedger(settings.ledger_url))


def health_server(settings: Settings, port: int | None, **handlers: Any) -> Any:
    """The /healthz, /readyz, /metrics server on settings.autopilot.host (loopback default);
    `handlers`: status, healthy, ready (see infrastructure.health_server)."""
    from alchemiser.infrastructure.health_server import HealthServer

    chosen = settings.autopilot.port if port is None else port
    return HealthServer(settings.autopilot.host, chosen, **handlers)


def autopilot_owner() -> str:
    """How this process names itself to another autopilot that finds the lock held."""
    import os
    import socket

    return f"alchemiser autopilot (pid {os.getpid()} on {socket.gethostname()})"


def autopilot_status_reader(settings: Settings, account: str, clock: Clock) -> StatusReader:
    """What the autopilot knows about `account`, from the ledger (`autopilot status`)."""
    from alchemiser.application.autopilot.schedule import Schedule
    from alchemiser.application.autopilot.sessions import RetryPolicy
    from alchemiser.application.autopilot.status import StatusReader

    calendar = trading_calendar()
    auto = settings.autopilot
    return StatusReader(
        account=account,
        store=autopilot_store(settings),
        halt=halt_switch(settings, now=clock.now),
        schedule=Schedule(calendar, settings.execution, auto),
        now=clock.now,
        close_of=calendar.close_time,
        policy=RetryPolicy(auto.retry_initial_seconds, auto.retry_max_seconds, auto.max_retries),
    )


@contextmanager
def _autopilot_broker(
    settings: Settings,
    name: str,
    *,
    live: bool,
    market: MarketDataSource,
    clock: Clock,
    move: bool = True,
) -> Iterator[Broker]:
    """The configured broker; the simulated one is moved to the autopilot's clock for a cycle
    (`move`), and left where it is for a mere look at its clock (health probes)."""
    if name == "sim":
        start = clock.now() if move else None
        yield sim_broker(settings, market, now=clock.now, start_at=start)
        return
    with open_broker(settings, name, live=live, market=market) as chosen:
        yield chosen


def autopilot_runtime(
    settings: Settings,
    *,
    broker: str,
    live: bool,
    portfolio_file: Path | None = None,
    source: str | None = None,
    port: int | None = None,
) -> AutopilotRuntime:
    """The autopilot of account (`broker`, `live`) wired from settings: scheduler, the cycle
    `trade` runs, alerts, status, and the health server unless its port is 0."""
    from alchemiser.application.autopilot.runtime import (
        AutopilotRuntime,
        account_name,
        liveness_probe,
        readiness_probe,
        trade_cycle,
    )
    from alchemiser.application.autopilot.schedule import Schedule
    from alchemiser.application.autopilot.service import Autopilot
    from alchemiser.application.autopilot.stop import StopControl
    from alchemiser.application.services.trade import TradeRequest

    clock = system_clock()
    account = account_name(broker, live)
    from alchemiser.application.error_handler import ErrorHandler

    errors = ErrorHandler(redactor_for(settings))
    market = market_data_source(settings, source)
    calendar = trading_calendar()
    reader = autopilot_status_reader(settings, account, clock)
    stop = StopControl()
    spec = portfolio_of(settings, portfolio_file=portfolio_file)
    request = TradeRequest(
        portfolio=spec,
        mode="sim" if broker == "sim" else ("live" if live else "paper"),
        config=masked_config(settings, spec),
    )

    def cycle_broker() -> AbstractContextManager[Broker]:
        return _autopilot_broker(settings, broker, live=live, market=market, clock=clock)

    def broker_clock() -> MarketClock:
        with _autopilot_broker(
            settings, broker, live=live, market=market, clock=clock, move=False
        ) as b:
            return b.clock()

    pilot = Autopilot(
        account=account,
        clock=clock,
        calendar=calendar,
        schedule=Schedule(calendar, settings.execution, settings.autopilot),
        store=autopilot_store(settings),
        halt=halt_switch(settings, now=clock.now),
        run_cycle=trade_cycle(
            cycle_broker,
            lambda b: trade_service(settings, broker=b, market_data=market, portfolio=spec),
            request,
        ),
        broker_clock=broker_clock,
        market_data=market,
        dispatcher=notification_dispatcher(settings, errors, now=clock.now),
        errors=errors,
        settings=settings.autopilot,
        status=reader,
        stop=stop,
    )
    chosen_port = settings.autopilot.port if port is None else port
    server = None
    if chosen_port:
        server = health_server(
            settings,
            chosen_port,
            status=reader.read,
            healthy=liveness_probe(pilot, clock, settings.autopilot.tick_seconds),
            ready=readiness_probe(pilot, broker_clock, market, clock),
        )
    return AutopilotRuntime(account=account, pilot=pilot, status=reader, stop=stop, server=server)


def signal_service(settings: Settings, market: MarketDataSource) -> SignalService:
    """Today's (or an as-of date's) signal; "today" is the New York date, the exchange's."""
    from zoneinfo import ZoneInfo

    from alchemiser.application.services.signal import SignalService
    from alchemiser.application.signal_quality import enforce_signal_quality
    from alchemiser.application.strategy_manager import StrategyManager

    new_york = ZoneInfo("America/New_York")
    calendar = trading_calendar()

    def today() -> dt.date:
        return dt.datetime.now(new_york).date()

    def quality(portfolio: PortfolioSpec, day: dt.date) -> None:
        """The trading path's data-quality gate, on the same market (issue 16)."""
        enforce_signal_quality(
            portfolio,
            load_symphony=load_symphony,
            market=market,
            calendar=calendar,
            day=day,
            max_daily_move=settings.market_data.max_daily_move,
        )

    return SignalService(
        StrategyManager(
            market, load_symphony, history_years=settings.market_data.history_years, today=today
        ),
        calendar,
        use_live_price=settings.market_data.use_live_price,
        today=today,
        quality=quality,
    )


# -- use cases (issue 12): the services the CLI calls --------------------------------------------
@contextmanager
def open_broker(
    settings: Settings, name: str, *, live: bool, market: MarketDataSource | None = None
) -> Iterator[Broker]:
    """The broker called `name` (sim or alpaca; Alpaca live only with `live`), closed after."""
    from alchemiser.domain.errors import ConfigurationError

    if live and name != "alpaca":
        raise ConfigurationError(
            "--live means the real Alpaca account; it needs --broker alpaca",
            context={"key": "broker", "broker": name},
            suggested_action="Use `--broker alpaca --live`.",
        )
    if name == "sim":
        yield sim_broker(settings, market)
        return
    if name != "alpaca":
        raise ConfigurationError(
            f"unknown broker {name!r}; expected sim or alpaca", context={"key": "broker"}
        )
    chosen = alpaca_broker(settings, live=live)
    try:
        yield chosen
    finally:
        close = getattr(chosen, "close", None)
        if callable(close):
            close()


def effective_config(settings: Settings, portfolio: PortfolioSpec | None = None) -> EffectiveConfig:
    """The effective settings and portfolio, every secret masked (`config show`)."""
    from alchemiser.application.services.config_show import effective_config as build

    return build(
        settings,
        portfolio if portfolio is not None else portfolio_of(settings),
        ledger_url=settings.ledger_url_masked,
        secrets=settings.secret_values(),
    )


def masked_config(settings: Settings, portfolio: PortfolioSpec | None = None) -> dict[str, Any]:
    """What a run stores as its config (SPEC §9): the same masked view `config show` prints,
    with the portfolio the run actually trades."""
    return effective_config(settings, portfolio).model_dump(mode="json")


def trade_service(
    settings: Settings,
    *,
    broker: Broker,
    market_data: MarketDataSource,
    portfolio: PortfolioSpec | None = None,
    halt: HaltSwitch | None = None,
) -> TradeService:
    """The daily cycle with its report publishing, on `broker`."""
    from alchemiser.application.error_handler import ErrorHandler
    from alchemiser.application.services.trade import TradeService

    errors = ErrorHandler(redactor_for(settings))
    book = ledger(settings)
    return TradeService(
        engine=trading_engine(
            settings,
            broker=broker,
            ledger=book,
            market_data=market_data,
            errors=errors,
            portfolio=portfolio,
            halt=halt,
        ),
        ledger=book,
        account=broker.name,
        dispatcher=notification_dispatcher(settings, errors),
        errors=errors,
        report_writer=run_report_writer(settings),
    )


# -- dashboard (issue 17) -----------------------------------------------------------------------
def portfolio_history(ledger: Ledger) -> PortfolioHistory:
    """The ledger's history across runs (equity curve, sleeve signals) in bulk reads."""
    from alchemiser.infrastructure.ledger import SqlLedger
    from alchemiser.infrastructure.ledger.portfolio_history import SqlPortfolioHistory

    if not isinstance(ledger, SqlLedger):
        raise TypeError(f"the portfolio history reads an SQL ledger, not {type(ledger).__name__}")
    return SqlPortfolioHistory(ledger.engine)


def backtest_archive(settings: Settings) -> BacktestArchive:
    """Where backtests started from the dashboard keep their summaries and tearsheets."""
    from alchemiser.infrastructure.backtest_archive import FileBacktestArchive

    return FileBacktestArchive(settings.data_dir / "dashboard" / "backtests")
