"""`alchemiser signal`: each strategy's allocation today (or on --as-of) and the blended target."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import signal_digest
from alchemiser.application.risk_gate import preview_risk
from alchemiser.application.strategy_manager import PortfolioSignal, StrategyManager
from alchemiser.domain.errors import NotificationError
from alchemiser.domain.risk import RiskOutcome
from alchemiser.interface.cli.options import (
    JsonFlag,
    PortfolioOption,
    SourceOption,
    StrategyOption,
    chosen_portfolio,
    parse_date,
)
from alchemiser.interface.cli.output import console, err_console, print_json

NEW_YORK = ZoneInfo("America/New_York")


def signal(
    *,
    strategy: StrategyOption = None,
    portfolio: PortfolioOption = None,
    source: SourceOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Decision date YYYY-MM-DD (default: today).")
    ] = None,
    live: Annotated[
        bool | None,
        typer.Option(
            "--live-price/--closes-only",
            help="Use the decision-time price as today's close (default: setting).",
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the path each tree took and why.")
    ] = False,
    json_output: JsonFlag = False,
    email: Annotated[
        bool,
        typer.Option("--email", help="Also send the signal digest to the configured channels."),
    ] = False,
) -> None:
    """Evaluate the strategies and print each allocation and the blended target (SPEC §5)."""
    settings = bootstrap.load_settings()
    spec = chosen_portfolio(settings, strategy, portfolio)
    market = bootstrap.market_data_source(settings, source)
    manager = StrategyManager(
        market,
        bootstrap.load_symphony,
        history_years=settings.market_data.history_years,
        today=_today,
    )
    decision = parse_date(as_of, "--as-of") if as_of else None
    use_live = settings.market_data.use_live_price if live is None else live
    live_date = None
    if decision is None and use_live:
        today = _today()
        if bootstrap.trading_calendar().is_session(today):
            live_date = today
    result = manager.signal(spec, as_of=decision, live_date=live_date)
    risk = preview_risk(result.target.attribution, bootstrap.risk_settings(settings, spec))
    if json_output:
        payload = result.as_dict()
        payload["interventions"] = [i.as_dict() for i in risk.interventions]
        payload["risk_target"] = risk.target.weights
        print_json(payload)
    else:
        _render(result, explain=explain)
        _render_risk(risk)
    if email:
        _send_digest(settings, result)
    result.raise_on_failure()


def _send_digest(settings: bootstrap.Settings, result: PortfolioSignal) -> None:
    errors = ErrorHandler(bootstrap.redactor_for(settings))
    dispatcher = bootstrap.notification_dispatcher(settings, errors)
    if not dispatcher.channels:
        raise NotificationError(
            "--email was given but no notification channel is configured",
            suggested_action="Configure email or a webhook, then try `alchemiser notify test`.",
        )
    for delivery in dispatcher.dispatch([signal_digest(result)]):
        state = "sent" if delivery.ok else f"failed: {delivery.detail}"
        err_console.print(f"signal digest via {delivery.channel}: {state}", highlight=False)
    if errors.records:
        raise typer.Exit(NotificationError.category.exit_code)


def _today() -> dt.date:
    return dt.datetime.now(NEW_YORK).date()


def _render(result: PortfolioSignal, *, explain: bool) -> None:
    when = "no date" if result.as_of is None else result.as_of.isoformat()
    if result.synthetic:
        console.print(
            f"[bold yellow]SYNTHETIC DATA[/] ({result.source}): simulated prices, not a market "
            "signal.",
            highlight=False,
        )
    live = " · decision-time price as today's close" if result.live_price else ""
    console.print(f"Signal as of [bold]{when}[/] · source {result.source}{live}", highlight=False)
    for name, sleeve in result.sleeves.items():
        console.print(
            f"\n[bold]{name}[/] · {sleeve.allocation:.0%} of the account · {sleeve.name} "
            f"· {sleeve.as_of}",
            highlight=False,
        )
        table = Table()
        table.add_column("ticker", style="cyan")
        table.add_column("weight", justify="right")
        for ticker, weight in sorted(sleeve.weights.items(), key=lambda kv: -kv[1]):
            table.add_row(ticker, f"{weight:.2%}")
        console.print(table)
        if explain:
            for step in sleeve.explanation:
                console.print(str(step), markup=False, highlight=False)
    for name, error in result.errors.items():
        console.print(f"[bold red]{name} failed:[/] {error.message}", highlight=False)
        if explain:
            for step in error.explanation:
                console.print(str(step), markup=False, highlight=False)
    _render_target(result)


def _render_target(result: PortfolioSignal) -> None:
    title = "Blended target" + (" (INCOMPLETE: failed sleeves missing)" if result.errors else "")
    console.print(f"\n[bold]{title}[/]", highlight=False)
    table = Table()
    table.add_column("ticker", style="cyan")
    table.add_column("weight", justify="right")
    table.add_column("wanted by")
    target = result.target
    for ticker, weight in sorted(target.weights.items(), key=lambda kv: -kv[1]):
        by = ", ".join(f"{s} {w:.2%}" for s, w in target.sleeves_of(ticker).items())
        table.add_row(ticker, f"{weight:.2%}", by)
    if target.cash > 1e-9:
        label = f"(failed: {', '.join(result.errors)})" if result.errors else "(unallocated)"
        table.add_row(label, f"{target.cash:.2%}", "")
    console.print(table)


def _render_risk(risk: RiskOutcome) -> None:
    """What the risk rules would change before trading (the same pipeline `trade` applies)."""
    if not risk.interventions:
        return
    console.print("\n[bold]Risk rules would change the target[/]", highlight=False)
    table = Table()
    for column in ("rule", "ticker", "before", "after", "action", "reason"):
        table.add_column(column)
    for i in risk.interventions:
        table.add_row(
            i.rule, i.ticker or "-", f"{i.before:.4g}", f"{i.after:.4g}", i.action.value, i.reason
        )
    console.print(table)
    adjusted = ", ".join(f"{t} {w:.2%}" for t, w in sorted(risk.target.weights.items()))
    console.print(f"Target after the rules: {adjusted or 'all cash'}", highlight=False)
