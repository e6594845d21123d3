"""What happened to one symbol's trade: every order, every fill, every error."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alchemiser.application.error_handler import ErrorRecord
from alchemiser.domain.trading import Fill, Money, Order, Price, Quantity, Side, Symbol


class ExecutionStatus(StrEnum):
    FILLED = "filled"
    """The requested quantity was filled in full."""
    PARTIALLY_FILLED = "partially_filled"
    NOT_FILLED = "not_filled"
    """Every attempt expired or was canceled unfilled (and no market fallback)."""
    ABORTED = "aborted"
    """The price ran beyond max_slippage_bps from the decision price (fills so far kept)."""
    REJECTED = "rejected"
    """The broker refused the orders; nothing was filled."""
    FAILED = "failed"
    """The broker could not be reached or reported an impossible state; see errors."""
    SKIPPED = "skipped"
    """Nothing to trade (e.g. less than one whole share of a non-fractionable asset)."""


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    symbol: Symbol
    side: Side
    requested_qty: Quantity
    decision_price: Price
    status: ExecutionStatus
    orders: tuple[Order, ...]
    """Last snapshot of every order placed, in placement order."""
    fills: tuple[Fill, ...]
    """One entry per fill delta; `filled_qty` is their sum, never a cumulative re-count."""
    errors: tuple[ErrorRecord, ...] = ()

    @property
    def filled_qty(self) -> Quantity:
        return sum((f.qty for f in self.fills), Quantity(0))

    @property
    def filled_value(self) -> Money:
        return sum((f.value for f in self.fills), Money(0))

    @property
    def avg_price(self) -> Price | None:
        qty = self.filled_qty
        return self.filled_value / qty if qty else None

    @property
    def slippage_bps(self) -> float | None:
        """Signed cost versus the decision price (positive = paid more / received less)."""
        avg = self.avg_price
        if avg is None:
            return None
        sign = 1 if self.side is Side.BUY else -1
        return float(sign * (avg - self.decision_price) / self.decision_price * 10_000)
