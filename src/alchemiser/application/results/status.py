"""`alchemiser status`: the account now (from the broker) and each sleeve's virtual book."""

from __future__ import annotations

from pydantic import Field

from alchemiser.application.results.account import AccountView, SleeveBookView
from alchemiser.application.results.common import DecimalStr, Record, Result


class SleeveStatusView(Record):
    """One sleeve now: its value at today's marks, its weight against its target, its P&L."""

    sleeve: str
    value: DecimalStr
    """Priced holdings only (see `unpriced`)."""
    weight: float | None
    """value / account equity (None when equity is 0)."""
    target_weight: float | None
    """The sleeve's allocation in the portfolio (None: not in the portfolio any more)."""
    realized_pnl: DecimalStr
    unrealized_pnl: DecimalStr


class StatusResult(Result):
    broker: str
    account: AccountView
    sleeve_books: list[SleeveBookView]
    unpriced: list[str]
    """Symbols the sleeve books hold that neither a position nor a quote could price."""
    simulated: bool = False
    """The embedded simulated broker: not a real account."""
    synthetic: bool = False
    """Prices come from the offline synthetic market: not real prices."""
    sleeves: list[SleeveStatusView] = Field(default_factory=list)
    """Every sleeve of the portfolio and every sleeve with a book, by name."""
