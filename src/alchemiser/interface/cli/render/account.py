"""An account with its positions, and the sleeve books (trade, status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from alchemiser.application.results.account import AccountView, SleeveBookView
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.numbers import money, percent, price, quantity
from alchemiser.interface.cli.render.tables import FittedTable, number, text

if TYPE_CHECKING:  # `status` renders no run record: its models stay unloaded (start-up)
    from alchemiser.application.results.history import AccountStageView


def render_account(title: str, account: AccountView | AccountStageView) -> None:
    line = Text()
    line.append(title, style="bold")
    line.append(
        f": equity {money(account.equity)} · cash {money(account.cash)} · "
        f"buying power {money(account.buying_power)}"
    )
    console.print(line, highlight=False)
    if not account.positions:
        return
    columns = [text("symbol"), number("qty"), number("price"), number("market value")]
    columns.append(number("weight"))
    rows = [
        [
            p.symbol,
            quantity(p.qty),
            price(p.market_price),
            money(p.market_value),
            "-" if p.weight is None else percent(p.weight),
        ]
        for p in account.positions
    ]
    console.print(FittedTable(columns, rows))


def render_sleeve_books(books: list[SleeveBookView]) -> None:
    if not books:
        return
    columns = [text("sleeve"), text("holdings"), number("realized P&L"), number("unrealized P&L")]
    rows = [
        [
            book.sleeve,
            ", ".join(f"{h.symbol} {quantity(h.qty)}" for h in book.holdings) or "-",
            money(book.realized_pnl),
            money(book.unrealized_pnl),
        ]
        for book in books
    ]
    console.print(FittedTable(columns, rows, title="Sleeves (virtual holdings)"))
