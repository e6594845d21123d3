"""`alchemiser trade` and `history`: the daily cycle and the record (`status` is in
`status_command`, which loads less).

`--json` prints the result model (docs/schemas/run.json, history.json, run-record.json):
money and quantities are exact decimal strings, weights are numbers.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.application.results.common import RunStatus
from alchemiser.application.services.history import HistoryService
from alchemiser.application.services.trade import TradeRequest
from alchemiser.interface.cli.fetch_progress import fetch_progress
from alchemiser.interface.cli.options import (
    BrokerOption,
    JsonFlag,
    PortfolioOption,
    SourceOption,
)
from alchemiser.interface.cli.output import emit, errors_shown_by_result
from alchemiser.interface.cli.render.history import render_record, render_runs
from alchemiser.interface.cli.render.run import render_run


def trade(
    *,
    broker: BrokerOption = None,
    live: Annotated[
        bool, typer.Option("--live", help="Trade the LIVE Alpaca account (real money).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; place no order.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Skip the live confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Trade outside the trading window.")
    ] = False,
    portfolio: PortfolioOption = None,
    source: SourceOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Run today's cycle: signals → plan → sell → settle → buy → verify (sim broker by default)."""
    settings = bootstrap.load_settings()
    name = broker or settings.broker
    spec = bootstrap.portfolio_of(settings, portfolio_file=portfolio)
    request = TradeRequest(
        portfolio=spec,
        mode="sim" if name == "sim" else ("live" if live else "paper"),
        config=bootstrap.masked_config(settings, spec),
        force=force,
    )
    market = bootstrap.market_data_source(
        settings, source, progress=fetch_progress(json_output=json_output)
    )
    with bootstrap.open_broker(settings, name, live=live, market=market) as chosen:
        service = bootstrap.trade_service(
            settings, broker=chosen, market_data=market, portfolio=request.portfolio
        )
        if live and not dry_run and not yes:
            preview = service.preview(request)
            render_run(preview)
            if preview.status is not RunStatus.DRY_RUN or not typer.confirm(
                "Place these orders in the LIVE account?", default=False
            ):
                raise typer.Exit(preview.exit_code or 1)
        with errors_shown_by_result(keep_logs=settings.log_json):
            result = service.execute(request, dry_run=dry_run)
    emit(result, render_run, json_output=json_output)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def history(
    *,
    run: Annotated[str | None, typer.Option("--run", help="Show everything of one run.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many recent runs.")] = 20,
    json_output: JsonFlag = False,
) -> None:
    """Past runs, or everything recorded for one run (signals, plan, orders, fills, errors)."""
    service = HistoryService(bootstrap.ledger(bootstrap.load_settings()))
    if run is not None:
        record = service.run(run)
        emit(record, render_record, json_output=json_output)
        return
    emit(service.runs(limit), render_runs, json_output=json_output)
