"""`alchemiser signal`: each sleeve's allocation today (or on --as-of) and the blended target.

`--json` prints docs/schemas/signal.json. A failed sleeve is shown in the result and sets the
exit code of its error category.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.services.signal import send_digest
from alchemiser.domain.errors import NotificationError
from alchemiser.interface.cli.fetch_progress import fetch_progress
from alchemiser.interface.cli.options import (
    JsonFlag,
    PortfolioOption,
    SourceOption,
    StrategyOption,
    chosen_portfolio,
    parse_date,
)
from alchemiser.interface.cli.output import emit, err_console
from alchemiser.interface.cli.render.signal import render_signal


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
    """Evaluate the strategies and print each allocation and the blended target."""
    settings = bootstrap.load_settings()
    spec = chosen_portfolio(settings, strategy, portfolio)
    market = bootstrap.market_data_source(
        settings, source, progress=fetch_progress(json_output=json_output)
    )
    service = bootstrap.signal_service(settings, market)
    decision = parse_date(as_of, "--as-of") if as_of else None
    result = service.signal(
        spec, as_of=decision, live_price=live, risk=bootstrap.risk_settings(settings, spec)
    )
    emit(result, lambda r: render_signal(r, explain=explain), json_output=json_output)
    if email:
        errors = ErrorHandler(bootstrap.redactor_for(settings))
        dispatcher = bootstrap.notification_dispatcher(settings, errors)
        for delivery in send_digest(result, dispatcher, errors):
            state = "sent" if delivery.ok else f"failed: {delivery.detail}"
            err_console.print(f"signal digest via {delivery.channel}: {state}", highlight=False)
        if errors.records:
            raise typer.Exit(NotificationError.category.exit_code)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
