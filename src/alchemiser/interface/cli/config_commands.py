"""`alchemiser config show|check`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from alchemiser import bootstrap
from alchemiser.application.results.config import ConfigCheckResult, EffectiveConfig
from alchemiser.application.services.config_check import config_check
from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, emit
from alchemiser.interface.cli.render.tables import FittedTable, text

app = typer.Typer(help="Inspect and validate the effective settings.", no_args_is_help=True)


@app.command()
def show(json_output: JsonFlag = False) -> None:
    """Print the effective settings and portfolio (secrets masked; docs/schemas/config.json)."""
    emit(
        bootstrap.effective_config(bootstrap.load_settings()), _render_show, json_output=json_output
    )


def _render_show(config: EffectiveConfig) -> None:
    rows = [
        *_flatten(config.settings),
        ("ledger_url", config.ledger_url),
        ("portfolio.source", config.portfolio.source),
    ]
    rows += [
        (f"portfolio.sleeves.{s.sleeve}", f"{s.symphony} {s.allocation:g}")
        for s in config.portfolio.sleeves
    ]
    cells = [[key, "" if value is None else str(value)] for key, value in rows]
    columns = [text("setting", style="cyan"), text("value")]
    console.print(FittedTable(columns, cells, title="Effective settings"))


@app.command()
def check(
    portfolio: Annotated[
        Path | None, typer.Option("--portfolio", help="Portfolio TOML (default: settings).")
    ] = None,
    online: Annotated[
        bool, typer.Option("--online", help="Also call the broker and the data source.")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Check settings, the portfolio, every sleeve's symphony and the ledger database (with
    --online also the broker and one quote); lists what works, exit 14 if anything does not."""
    settings = bootstrap.load_settings()  # raises ConfigurationError, rendered by main
    result = config_check(
        bootstrap.portfolio_of(settings, portfolio_file=portfolio),
        broker=settings.broker,
        market_data=str(settings.market_data.source),
        load_symphony=bootstrap.load_symphony,
        probes=bootstrap.config_probes(settings, online=online),
    )
    emit(result, _render_check, json_output=json_output)
    if not result.ok:
        raise typer.Exit(ErrorCategory.CONFIGURATION.exit_code)


def _render_check(result: ConfigCheckResult) -> None:
    for item in result.checks:
        mark = Text("  ok  ", style="green") if item.ok else Text(" FAIL ", style="bold red")
        console.print(Text.assemble(mark, f"{item.name}: {item.detail}"), highlight=False)
    listing = ", ".join(f"{s.sleeve} {s.allocation:g}" for s in result.sleeves)
    verdict = (
        Text("Configuration OK", style="green")
        if result.ok
        else Text("Configuration has problems", style="bold red")
    )
    console.print(Text.assemble(verdict, f" — sleeves: {listing}"), highlight=False)


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_flatten(value, name + "."))
        else:
            rows.append((name, value))
    return rows
