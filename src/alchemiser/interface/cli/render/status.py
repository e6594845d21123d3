"""`status`: what kind of account this is, the account, and each sleeve against its target."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from alchemiser.application.results.status import StatusResult
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.account import render_account


def render_status(result: StatusResult) -> None:
    banner = [
        *(["SIMULATED broker (not a real account)"] if result.simulated else []),
        *(["SYNTHETIC market (not real prices)"] if result.synthetic else []),
    ]
    if banner:
        console.print(Text(" · ".join(banner), style="bold yellow"), highlight=False)
    render_account(f"Account ({result.broker})", result.account)
    if result.sleeves:
        table = Table(title="Sleeves")
        for column in ("sleeve", "value", "weight", "target", "realized P&L", "unrealized P&L"):
            table.add_column(column, justify="left" if column == "sleeve" else "right")
        for s in result.sleeves:
            table.add_row(
                s.sleeve,
                f"{s.value:,.2f}",
                "-" if s.weight is None else f"{s.weight:.2%}",
                "-" if s.target_weight is None else f"{s.target_weight:.2%}",
                f"{s.realized_pnl:,.2f}",
                f"{s.unrealized_pnl:,.2f}",
            )
        console.print(table)
    holdings = Table(title="Sleeve holdings (virtual)")
    holdings.add_column("sleeve")
    holdings.add_column("holdings")
    for book in result.sleeve_books:
        held = ", ".join(f"{h.symbol} {h.qty:f}" for h in book.holdings)
        holdings.add_row(book.sleeve, held or "-")
    if result.sleeve_books:
        console.print(holdings)
    if result.unpriced:
        console.print(f"[yellow]no price for:[/] {', '.join(result.unpriced)}")
