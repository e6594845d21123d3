"""Options that several commands share, declared once so their names and help never drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
