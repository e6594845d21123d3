"""`alchemiser autopilot [--port N]` and `alchemiser autopilot status [--json]` (SPEC §15).

The autopilot runs the very cycle `alchemiser trade` runs (same engine, same run report and
notifications), once per NYSE session, under the account's cycle lock; one autopilot per
account, enforced by a second lock it holds for its whole life. SIGTERM or Ctrl-C between cycles
exits at once (0); during a cycle the run stops placing orders, sweeps and is recorded, then the
process exits (0); a second signal exits at once (130).

The autopilot is wired in `bootstrap.autopilot_runtime` (the cycle, probes and the runtime live
in application.autopilot.runtime); this module parses options, holds the lock, installs the
signal handlers and prints.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated, Any

import typer

from alchemiser import bootstrap
from alchemiser.application.autopilot.runtime import account_name, autopilot_lock
from alchemiser.application.autopilot.schedule import NEW_YORK
from alchemiser.application.autopilot.status import AutopilotStatus
from alchemiser.application.autopilot.stop import StopControl
from alchemiser.interface.cli.options import (
    BrokerOption,
    JsonFlag,
    PortfolioOption,
    SourceOption,
)
from alchemiser.interface.cli.output import console, emit
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.numbers import money
from alchemiser.interface.cli.render.tables import FittedTable, number, text

app = typer.Typer(
    help="Run the daily cycle unattended, once per NYSE session (health and metrics on loopback).",
    no_args_is_help=False,
)

LiveOption = Annotated[
    bool, typer.Option("--live", help="Trade the LIVE Alpaca account (real money).")
]


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
    lock = bootstrap.cycle_lock(settings)
    with autopilot_lock(lock, account_name(name, live), bootstrap.autopilot_owner()):
        runtime = bootstrap.autopilot_runtime(
            settings, broker=name, live=live, portfolio_file=portfolio, source=source, port=port
        )
        with runtime.serving() as address, _signals(runtime.stop):
            if address is not None:
                console.print(f"Health and metrics on http://{address[0]}:{address[1]}/metrics")
            status = runtime.status.read()
            console.print(
                f"Autopilot for {runtime.account}: next cycle {_when(status.next_run)}"
                + (f" · HALTED: {status.halted.reason}" if status.halted else "")
            )
            code = runtime.run()
    if code:
        raise typer.Exit(code)


@contextmanager
def _signals(stop: StopControl) -> Iterator[None]:
    """SIGTERM and Ctrl-C ask the autopilot to stop (see StopControl)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.signal()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


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
    report = bootstrap.autopilot_status_reader(settings, account, bootstrap.system_clock()).read()
    emit(report, _render, json_output=json_output)


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
