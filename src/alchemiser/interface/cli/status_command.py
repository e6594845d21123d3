"""`alchemiser status`: the account now and each sleeve's book.

Its own module, apart from `trade` and `history`, so the command a cron job or a health probe
runs most often loads only its use case (start-up, issue 16). `--json` prints the result model
(docs/schemas/status.json): money and quantities are exact decimal strings.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.application.services.status import StatusService
from alchemiser.interface.cli.options import BrokerOption, JsonFlag
from alchemiser.interface.cli.output import emit
from alchemiser.interface.cli.render.status import render_status


def status(
    *,
    broker: BrokerOption = None,
    live: Annotated[bool, typer.Option("--live", help="The LIVE Alpaca account.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """The account now (from the broker) and each sleeve's virtual holdings and P&L."""
    settings = bootstrap.load_settings()
    market = bootstrap.market_data_source(settings)
    with bootstrap.open_broker(settings, broker or settings.broker, live=live, market=market) as b:
        result = StatusService(b, bootstrap.ledger(settings)).status(
            bootstrap.portfolio_of(settings).allocations, synthetic=market.synthetic
        )
    emit(result, render_status, json_output=json_output)
