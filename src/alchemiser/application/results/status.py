"""`alchemiser status`: the account now (from the broker) and each sleeve's virtual book."""

from __future__ import annotations

from alchemiser.application.results.account import AccountView, SleeveBookView
from alchemiser.application.results.common import Result


class StatusResult(Result):
    broker: str
    account: AccountView
    sleeve_books: list[SleeveBookView]
    unpriced: list[str]
    """Symbols the sleeve books hold that neither a position nor a quote could price."""
