"""`status`: the account and the sleeve books."""

from __future__ import annotations

from rich.text import Text

from alchemiser.application.results.status import StatusResult
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.account import render_account, render_sleeve_books


def render_status(result: StatusResult) -> None:
    render_account(f"Account ({result.broker})", result.account)
    render_sleeve_books(result.sleeve_books)
    if result.unpriced:
        line = Text("no price for:", style="yellow")
        line.append(f" {', '.join(result.unpriced)}")
        console.print(line)
