"""An account and its positions, and each sleeve's virtual book, as `trade`, `status` and
`history` all show them."""

from __future__ import annotations

from alchemiser.application.results.common import DecimalStr, Record


class PositionView(Record):
    symbol: str
    qty: DecimalStr
    market_price: DecimalStr
    market_value: DecimalStr
    avg_entry_price: DecimalStr
    weight: float | None
    """market value / equity (None when equity is 0)."""


class AccountView(Record):
    equity: DecimalStr
    cash: DecimalStr
    buying_power: DecimalStr
    positions: list[PositionView]


class SleeveHoldingView(Record):
    symbol: str
    qty: DecimalStr
    avg_cost: DecimalStr
    market_value: DecimalStr | None
    """None when no price was available for the symbol."""


class SleeveBookView(Record):
    """One sleeve's virtual holdings and P&L (SPEC §10)."""

    sleeve: str
    holdings: list[SleeveHoldingView]
    realized_pnl: DecimalStr
    unrealized_pnl: DecimalStr
