"""The `status` use case: the account as the broker reports it, and each sleeve's book valued
at the account's marks (quotes for what the account no longer holds)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.ledger import Ledger
from alchemiser.application.results.account import SleeveBookView
from alchemiser.application.results.status import SleeveStatusView, StatusResult
from alchemiser.application.services.views import account_view, sleeve_books
from alchemiser.domain.trading import Symbol


class StatusService:
    def __init__(self, broker: Broker, ledger: Ledger) -> None:
        self._broker = broker
        self._ledger = ledger

    def status(
        self, targets: Mapping[str, float] | None = None, *, synthetic: bool = False
    ) -> StatusResult:
        """`targets` are the portfolio's allocations (sleeve → weight); `synthetic` says the
        prices are the offline synthetic market's."""
        account = self._broker.account()
        book = self._ledger.load_book(self._broker.name)
        prices = {str(p.symbol): p.market_price for p in account.positions}
        unpriced = [s for s in book.totals() if s not in prices]
        if unpriced:
            quotes = self._broker.quotes([Symbol(s) for s in unpriced])
            prices |= {str(s): q.mid for s, q in quotes.items()}
        books = sleeve_books(book, prices)
        return StatusResult(
            broker=self._broker.name,
            account=account_view(account),
            sleeve_books=books,
            unpriced=sorted(s for s in book.totals() if s not in prices),
            simulated=self._broker.name == "sim",
            synthetic=synthetic,
            sleeves=_sleeve_status(books, dict(targets or {}), account.equity),
        )


def _sleeve_status(
    books: list[SleeveBookView], targets: dict[str, float], equity: Decimal
) -> list[SleeveStatusView]:
    by_name = {b.sleeve: b for b in books}
    views = []
    for name in sorted(set(by_name) | set(targets)):
        held = by_name.get(name)
        value = sum(
            (h.market_value for h in held.holdings if h.market_value is not None) if held else (),
            Decimal(0),
        )
        views.append(
            SleeveStatusView(
                sleeve=name,
                value=value,
                weight=float(value / equity) if equity else None,
                target_weight=targets.get(name),
                realized_pnl=held.realized_pnl if held else Decimal(0),
                unrealized_pnl=held.unrealized_pnl if held else Decimal(0),
            )
        )
    return views
