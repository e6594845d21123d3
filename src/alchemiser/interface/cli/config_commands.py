"""`alchemiser config show|check`."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import SecretStr
from rich.table import Table

from alchemiser import bootstrap
from alchemiser.application.results.config import ConfigCheckResult
from alchemiser.application.services.config_check import config_check
from alchemiser.domain.redaction import MASK
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, emit, print_json

app = typer.Typer(help="Inspect and validate the effective settings.", no_args_is_help=True)


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        masked = getattr(value, "masked", None)  # a database URL: shown, its password masked
        return masked() if callable(masked) else MASK
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def effective_settings() -> dict[str, Any]:
    settings = bootstrap.load_settings()
    data = {name: _masked(getattr(settings, name)) for name in type(settings).model_fields}
    dumped: dict[str, Any] = {}
    for key, value in data.items():
        dumped[key] = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
        if dumped[key] is not None and not isinstance(dumped[key], dict | bool | int | float):
            dumped[key] = str(dumped[key])
    portfolio = bootstrap.portfolio_of(settings)
    dumped["portfolio"] = {
        "source": portfolio.source,
        "sleeves": {
            s.name: {"symphony": s.symphony, "allocation": s.allocation} for s in portfolio.sleeves
        },
    }
    dumped["ledger_url"] = settings.ledger_url_masked
    return dumped


@app.command()
def show(json_output: JsonFlag = False) -> None:
    """Print the effective settings (secrets masked)."""
    data = effective_settings()
    if json_output:
        print_json(data)
        return
    table = Table(title="Effective settings", show_lines=False)
    table.add_column("setting", style="cyan")
    table.add_column("value")
    for key, value in _flatten(data):
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command()
def check(json_output: JsonFlag = False) -> None:
    """Validate settings and the portfolio file; exits non-zero on the first problem."""
    settings = bootstrap.load_settings()  # raises ConfigurationError, rendered by main
    bootstrap.check_broker_settings(settings)  # the keys and URLs trade uses
    result = config_check(
        bootstrap.portfolio_of(settings),
        broker=settings.broker,
        market_data=str(settings.market_data.source),
    )
    emit(result, _render_check, json_output=json_output)


def _render_check(result: ConfigCheckResult) -> None:
    listing = ", ".join(f"{s.sleeve} {s.allocation:g}" for s in result.sleeves)
    console.print(f"[green]Configuration OK[/] — sleeves: {listing}")


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_flatten(value, name + "."))
        else:
            rows.append((name, value))
    return rows
