"""`alchemiser autopilot [--port N]` and `alchemiser autopilot status [--json]` (SPEC §15).

The autopilot runs the very cycle `alchemiser trade` runs (same engine, same run report and
notifications), once per NYSE session, under the account's cycle lock; one autopilot per
account, enforced by a second lock it holds for its whole life. SIGTERM or Ctrl-C between cycles
exits at once (0); during a cycle the run stops placing orders, sweeps and is recorded, then the
process exits (0); a second signal exits at once (130).
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from alchemiser import bootstrap
from alchemiser.application.autopilot.schedule import NEW_YORK, Schedule
from alchemiser.application.autopilot.service import Autopilot, CycleOutcome
from alchemiser.application.autopilot.sessions import RetryPolicy
from alchemiser.application.autopilot.status import AutopilotStatus, StatusReader
from alchemiser.application.autopilot.stop import StopControl, StopNow, StoppingBroker
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.clock import Clock
from alchemiser.application.ports.cycle_lock import CycleLockHeldError
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.services.trade import TradeRequest
from alchemiser.domain.trading import MarketClock
from alchemiser.interface.cli import trade_commands
from alchemiser.interface.cli.options import JsonFlag, PortfolioOption, SourceOption
from alchemiser.interface.cli.output import console, print_json
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.numbers import money
from alchemiser.interface.cli.render.tables import FittedTable, number, text

FORCED_EXIT = 130
"""A second signal during a cycle: left at once (the next run recovers the cut-off one)."""

app = typer.Typer(
    help="Run the daily cycle unattended, once per NYSE session (health and metrics on loopback).",
    no_args_is_help=False,
)

BrokerOption = trade_commands.BrokerOption
LiveOption = Annotated[
    bool, typer.Option("--live", help="Trade the LIVE Alpaca account (real money).")
]


def account_name(broker: str, live: bool) -> str:
    """The account name runs are recorded under (the broker adapter's `name`)."""
    if broker == "sim":
        return "sim"
    return "alpaca-live" if live else "alpaca-paper"


@app.callback(invoke_without_command=True)
def autopilot(
    ctx: typer.Context,
    *,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Health/metrics port on 127.0.0.1 (default 9464; 0 = off)."),
    ] = None,
    broker: BrokerOption = None,
    live: LiveOption = False,
    portfolio: PortfolioOption = None,
    source: SourceOption = None,
) -> None:
    """Start the scheduler: one cycle per session inside the trading window, alerts, metrics."""
    if ctx.invoked_subcommand is not None:
        return
    settings = bootstrap.load_settings()
    name = broker or settings.broker
    account = account_name(name, live)
    owner = f"alchemiser autopilot (pid {os.getpid()} on {socket.gethostname()})"
    with ExitStack() as stack:
        try:
            stack.enter_context(bootstrap.cycle_lock(settings).hold(f"autopilot:{account}", owner))
        except CycleLockHeldError as exc:
            raise CycleLockHeldError(
                f"another autopilot is already running for account {account}: {exc.message}",
                context=exc.context,
                suggested_action="Only one autopilot may run per account; stop the other one "
                "first (`systemctl stop alchemiser-autopilot` or its process id).",
            ) from None
        code = _run(
            settings,
            name=name,
            account=account,
            live=live,
            owner=owner,
            portfolio=portfolio,
            source=source,
            port=port,
        )
    if code:
        raise typer.Exit(code)


def _run(
    settings: Any,
    *,
    name: str,
    account: str,
    live: bool,
    owner: str,
    portfolio: Path | None,
    source: str | None,
    port: int | None,
) -> int:
    clock = bootstrap.system_clock()
    errors = ErrorHandler(bootstrap.redactor_for(settings))
    market = bootstrap.market_data_source(settings, source)
    dispatcher = bootstrap.notification_dispatcher(settings, errors, now=clock.now)
    stop = StopControl()
    calendar = bootstrap.trading_calendar()
    reader = status_reader(settings, account, clock)

    def open_broker() -> Any:
        return _broker(settings, name, live=live, market=market, clock=clock)

    def broker_clock() -> MarketClock:
        with _broker(settings, name, live=live, market=market, clock=clock, move=False) as b:
            return b.clock()

    pilot = Autopilot(
        account=account,
        clock=clock,
        calendar=calendar,
        schedule=Schedule(calendar, settings.execution, settings.autopilot),
        store=bootstrap.autopilot_store(settings),
        halt=bootstrap.halt_switch(settings, now=clock.now),
        run_cycle=_cycle_runner(
            settings,
            name=name,
            live=live,
            account=account,
            owner=owner,
            market=market,
            portfolio=portfolio,
            open_broker=open_broker,
        ),
        broker_clock=broker_clock,
        market_data=market,
        dispatcher=dispatcher,
        errors=errors,
        settings=settings.autopilot,
        status=reader,
        stop=stop,
    )
    server = None
    chosen_port = settings.autopilot.port if port is None else port
    if chosen_port:
        server = bootstrap.health_server(
            settings,
            chosen_port,
            status=reader.read,
            healthy=_healthy(pilot, clock, settings.autopilot.tick_seconds),
            ready=_ready(pilot, broker_clock, market, clock),
        )
        server.start()
        host, bound = server.address
        console.print(f"Health and metrics on http://{host}:{bound}/metrics")
    status = reader.read()
    console.print(
        f"Autopilot for {account}: next cycle {_when(status.next_run)}"
        + (f" · HALTED: {status.halted.reason}" if status.halted else ""),
        markup=False,
    )
    with _signals(stop):
        try:
            pilot.run()
        except StopNow:
            return FORCED_EXIT if stop.signals > 1 else 0
        finally:
            if server is not None:
                server.stop()
    return 0


@contextmanager
def _signals(stop: StopControl) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.signal()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _broker(
    settings: Any,
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
        yield bootstrap.sim_broker(settings, market, now=clock.now, start_at=start)
        return
    with bootstrap.open_broker(settings, name, live=live, market=market) as chosen:
        yield chosen


def _cycle_runner(
    settings: Any,
    *,
    name: str,
    live: bool,
    account: str,
    owner: str,
    market: MarketDataSource,
    portfolio: Path | None,
    open_broker: Callable[[], Any],
) -> Callable[[StopControl], CycleOutcome]:
    """The cycle `alchemiser trade --yes` runs (the same TradeService: engine, report, channels;
    the engine takes the account's cycle lock itself), on a broker that refuses new orders once a
    stop is asked."""
    spec = bootstrap.portfolio_of(settings, portfolio_file=portfolio)
    mode = "sim" if name == "sim" else ("live" if live else "paper")
    config = bootstrap.masked_config(settings)

    def run(stop: StopControl) -> CycleOutcome:
        with open_broker() as raw:
            service = bootstrap.trade_service(
                settings, broker=StoppingBroker(raw, stop), market_data=market
            )
            result = service.execute(TradeRequest(spec, mode, config))
        return CycleOutcome(
            run_id=result.run_id,
            status=result.status,
            trading_day=result.trading_day,
            errors=tuple(f"{e.category.value}: {e.message}" for e in result.errors),
        )

    return run


def _healthy(pilot: Autopilot, clock: Clock, tick: float) -> Callable[[], tuple[bool, str]]:
    def probe() -> tuple[bool, str]:
        beat = pilot.heartbeat
        if beat.in_cycle:
            return True, "running a cycle"
        if beat.last_tick is None:
            return False, "scheduler loop has not ticked yet"
        age = (clock.now() - beat.last_tick).total_seconds()
        limit = max(3 * tick, 180.0)
        return age <= limit, f"last tick {age:.0f}s ago (limit {limit:.0f}s)"

    return probe


def _ready(
    pilot: Autopilot,
    broker_clock: Callable[[], MarketClock],
    market: MarketDataSource,
    clock: Clock,
) -> Callable[[], tuple[bool, str]]:
    """Not halted (read each time), broker and data reachable (probed at most every 30 s)."""
    cache: dict[str, Any] = {}

    def probe() -> tuple[bool, str]:
        halted = pilot.halted()
        if halted is not None:
            return False, f"trading halted by {halted.source}: {halted.reason}"
        now = clock.now()
        if "at" not in cache or (now - cache["at"]).total_seconds() >= 30:
            cache.update(at=now, answer=_reachable(broker_clock, market))
        return cache["answer"]  # type: ignore[no-any-return]

    return probe


def _reachable(
    broker_clock: Callable[[], MarketClock], market: MarketDataSource
) -> tuple[bool, str]:
    try:
        broker_clock()
    except Exception as exc:
        return False, f"broker unreachable: {type(exc).__name__}"
    try:
        market.latest_prices(["SPY"])
    except Exception as exc:
        return False, f"market data unreachable: {type(exc).__name__}"
    return True, "broker and market data reachable; not halted"


def status_reader(settings: Any, account: str, clock: Clock) -> StatusReader:
    calendar = bootstrap.trading_calendar()
    auto = settings.autopilot
    return StatusReader(
        account=account,
        store=bootstrap.autopilot_store(settings),
        halt=bootstrap.halt_switch(settings, now=clock.now),
        schedule=Schedule(calendar, settings.execution, auto),
        now=clock.now,
        close_of=calendar.close_time,
        policy=RetryPolicy(auto.retry_initial_seconds, auto.retry_max_seconds, auto.max_retries),
    )


@app.command("status")
def status(
    *,
    broker: BrokerOption = None,
    live: LiveOption = False,
    json_output: JsonFlag = False,
) -> None:
    """What the autopilot knows, from the ledger (works when no autopilot is running)."""
    settings = bootstrap.load_settings()
    account = account_name(broker or settings.broker, live)
    report = status_reader(settings, account, bootstrap.system_clock()).read()
    if json_output:
        print_json(report.model_dump(mode="json"))
        return
    _render(report)


def _when(moment: Any) -> str:
    return "-" if moment is None else moment.astimezone(NEW_YORK).strftime("%a %Y-%m-%d %H:%M %Z")


def _money(value: float | None) -> str:
    return "-" if value is None else money(value)


def _render(s: AutopilotStatus) -> None:
    if s.halted:
        console.print(
            line(
                ("HALTED", "bold red"),
                f" since {_when(s.halted.since)} by {s.halted.source}: {s.halted.reason}",
            )
        )
    console.print(
        line((f"Autopilot · {s.account}", "bold"), f" · today: {s.today or 'no session'}")
    )
    console.print(f"Next cycle: {_when(s.next_run)}", markup=False)
    if s.last_run:
        r = s.last_run
        drift = "-" if r.max_drift is None else f"{r.max_drift:.2%}"
        console.print(
            f"Last run: {r.run_id} · {r.trading_day} · {r.status} · started {_when(r.started_at)}"
            f" · {r.orders} order(s), {r.fills} fill(s) · max drift {drift}",
            markup=False,
        )
    else:
        console.print("Last run: none recorded")
    dd = "-" if s.drawdown is None else f"{s.drawdown:.2%}"
    console.print(
        f"Equity {_money(s.equity)} · cash {_money(s.cash)} · peak {_money(s.peak_equity)} · "
        f"drawdown {dd}",
        markup=False,
    )
    if s.sleeves:
        rows = [[x.name, _money(x.value), _money(x.pnl)] for x in s.sleeves]
        columns = [text("sleeve"), number("value"), number("P&L")]
        console.print(FittedTable(columns, rows, title="Sleeves"))
    if s.errors_by_category:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(s.errors_by_category.items()))
        console.print(f"Errors recorded: {counts}", markup=False)
    if s.newest_price:
        console.print(f"Newest price: {s.newest_price}", markup=False)
    if s.heartbeat_at:
        console.print(f"Last heartbeat: {_when(s.heartbeat_at)}", markup=False)
