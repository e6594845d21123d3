"""What the broker tells us about an instrument and the market right now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alchemiser.domain.errors import DataQualityError
from alchemiser.domain.trading.values import Price, Symbol


@dataclass(frozen=True, slots=True)
class AssetInfo:
    symbol: Symbol
    fractionable: bool
    tradable: bool = True


@dataclass(frozen=True, slots=True)
class Quote:
    """Top of book. `last` is the latest trade (None when the broker has none)."""

    symbol: Symbol
    bid: Price
    ask: Price
    time: dt.datetime
    last: Price | None = None

    def __post_init__(self) -> None:
        if self.bid <= 0 or self.ask <= 0 or self.ask < self.bid:
            raise DataQualityError(
                f"{self.symbol}: unusable quote bid={self.bid} ask={self.ask}",
                context={"ticker": str(self.symbol), "bid": str(self.bid), "ask": str(self.ask)},
                suggested_action="Retry later; the market may be closed or the symbol halted.",
            )

    @property
    def mid(self) -> Price:
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> Price:
        return self.ask - self.bid


@dataclass(frozen=True, slots=True)
class MarketClock:
    """The broker's view of the session; `now` is the broker's (or simulation's) time, UTC."""

    now: dt.datetime
    is_open: bool
    next_open: dt.datetime
    next_close: dt.datetime
