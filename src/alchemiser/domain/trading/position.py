"""Holdings and the account they sit in, as the broker (the source of truth) reports them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from alchemiser.domain.trading.values import Money, Price, Quantity, Symbol


@dataclass(frozen=True, slots=True)
class Position:
    """A holding; a short is `qty < 0` and therefore has a negative market value."""

    symbol: Symbol
    qty: Quantity
    avg_entry_price: Price
    market_price: Price

    @property
    def market_value(self) -> Money:
        return self.qty * self.market_price

    @property
    def cost_basis(self) -> Money:
        return self.qty * self.avg_entry_price

    @property
    def unrealized_pnl(self) -> Money:
        return self.market_value - self.cost_basis

    @property
    def is_short(self) -> bool:
        return self.qty < 0


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Balances and positions at one moment.

    `buying_power` may include margin; the planner sizes buys from it only after the broker
    says so, never by treating margin as cash (SPEC §12).
    """

    account_id: str
    equity: Money
    cash: Money
    buying_power: Money
    positions: tuple[Position, ...] = ()
    trading_blocked: bool = False
    account_blocked: bool = False
    time: dt.datetime | None = None
    currency: str = "USD"
    _by_symbol: Mapping[str, Position] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_symbol", {p.symbol: p for p in self.positions})

    @property
    def by_symbol(self) -> Mapping[str, Position]:
        return self._by_symbol

    def position(self, symbol: str) -> Position | None:
        return self._by_symbol.get(symbol.upper())

    @property
    def can_trade(self) -> bool:
        return not (self.trading_blocked or self.account_blocked)
