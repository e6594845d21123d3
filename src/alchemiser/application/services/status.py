"""The `status` use case: the account as the broker reports it, and each sleeve's book valued
at the account's marks (quotes for what the account no longer holds)."""

from __future__ import annotations

from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.ledger import Ledger
from alchemiser.application.results.status import StatusResult
from alchemiser.application.services.views import account_view, sleeve_books
from alchemiser.domain.trading import Symbol


class StatusService:
    def __init__(self, broker: Broker, ledger: Ledger) -> None:
        self._broker = broker
        self._ledger = ledger

    def status(self) -> StatusResult:
        account = self._broker.account()
        book = self._ledger.load_book(self._broker.name)
        prices = {str(p.symbol): p.market_price for p in account.positions}
        unpriced = [s for s in book.totals() if s not in prices]
        if unpriced:
            quotes = self._broker.quotes([Symbol(s) for s in unpriced])
            prices |= {str(s): q.mid for s, q in quotes.items()}
        return StatusResult(
            broker=self._broker.name,
            account=account_view(account),
            sleeve_books=sleeve_books(book, prices),
            unpriced=sorted(s for s in book.totals() if s not in prices),
        )
