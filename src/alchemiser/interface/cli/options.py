"""Options that several commands share, declared once so their names and help never drift."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.portfolio.sleeves import PortfolioSpec, equal_portfolio

BrokerOption = Annotated[
    str | None,
    typer.Option("--broker", help="sim (embedded default) or alpaca (paper unless --live)."),
]

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Machine-readable output: plain JSON on stdout.")
]
PortfolioOption = Annotated[
    Path | None, typer.Option("--portfolio", help="Portfolio TOML file (default: configured).")
]
SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="Market data: synthetic, yahoo, alpaca or files:PATH."),
]
StrategyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--strategy",
        "-s",
        help="Built-in name or symphony file; repeat for several (split equally).",
    ),
]


def chosen_portfolio(
    settings: bootstrap.Settings, strategy: list[str] | None, portfolio: Path | None
) -> PortfolioSpec:
    """`--strategy` (equal split) or `--portfolio` (or the configured one), never both."""
    if strategy and portfolio is not None:
        raise ConfigurationError(
            "give either --strategy or --portfolio, not both",
            suggested_action="Use --portfolio for a weighted mix, --strategy for quick looks.",
        )
    if strategy:
        return equal_portfolio(strategy)
    return bootstrap.portfolio_of(settings, portfolio_file=portfolio)


def parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(
            f"{option} {text!r} is not a date",
            context={"option": option},
            suggested_action="Write the date as YYYY-MM-DD.",
        ) from None
