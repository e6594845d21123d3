"""`status`: what kind of account this is, the account, and each sleeve against its target."""

from __future__ import annotations

from alchemiser.application.results.status import StatusResult
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.account import render_account
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.numbers import money, percent, quantity
from alchemiser.interface.cli.render.tables import FittedTable, number, text


def render_status(result: StatusResult) -> None:
    banner = [
        *(["SIMULATED broker (not a real account)"] if result.simulated else []),
        *(["SYNTHETIC market (not real prices)"] if result.synthetic else []),
    ]
    if banner:
        console.print(line((" · ".join(banner), "bold yellow")), highlight=False)
    render_account(f"Account ({result.broker})", result.account)
    if result.sleeves:
        columns = [text("sleeve"), number("value"), number("weight"), number("target")]
        columns += [number("realized P&L"), number("unrealized P&L")]
        rows = [
            [
                s.sleeve,
                money(s.value),
                "-" if s.weight is None else percent(s.weight),
                "-" if s.target_weight is None else percent(s.target_weight),
                money(s.realized_pnl),
                money(s.unrealized_pnl),
            ]
            for s in result.sleeves
        ]
        console.print(FittedTable(columns, rows, title="Sleeves"))
    if result.sleeve_books:
        rows = [
            [book.sleeve, ", ".join(f"{h.symbol} {quantity(h.qty)}" for h in book.holdings) or "-"]
            for book in result.sleeve_books
        ]
        console.print(
            FittedTable([text("sleeve"), text("holdings")], rows, title="Sleeve holdings (virtual)")
        )
    if result.unpriced:
        console.print(line(("no price for:", "yellow"), f" {', '.join(result.unpriced)}"))
