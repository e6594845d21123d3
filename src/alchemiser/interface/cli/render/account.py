"""An account with its positions, and the sleeve books (trade, status)."""

from __future__ import annotations

from rich.table import Table

from alchemiser.application.results.account import AccountView, SleeveBookView
from alchemiser.application.results.history import AccountStageView
from alchemiser.interface.cli.output import console


def render_account(title: str, account: AccountView | AccountStageView) -> None:
    console.print(
        f"[bold]{title}[/]: equity {account.equity:,.2f} · cash {account.cash:,.2f} · "
        f"buying power {account.buying_power:,.2f}"
    )
    if not account.positions:
        return
    table = Table()
    for column in ("symbol", "qty", "price", "market value", "weight"):
        table.add_column(column, justify="right")
    for p in account.positions:
        table.add_row(
            p.symbol,
            f"{p.qty:f}",
            f"{p.market_price:.2f}",
            f"{p.market_value:,.2f}",
            "-" if p.weight is None else f"{p.weight:.2%}",
        )
    console.print(table)


def render_sleeve_books(books: list[SleeveBookView]) -> None:
    if not books:
        return
    table = Table(title="Sleeves (virtual holdings)")
    for column in ("sleeve", "holdings", "realized P&L", "unrealized P&L"):
        table.add_column(column)
    for book in books:
        holdings = ", ".join(f"{h.symbol} {h.qty:f}" for h in book.holdings)
        table.add_row(
            book.sleeve,
            holdings or "-",
            f"{book.realized_pnl:,.2f}",
            f"{book.unrealized_pnl:,.2f}",
        )
    console.print(table)
