"""Port for daily price history and decision-time prices (SPEC §8.2–8.3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from alchemiser.domain.market.price_history import PriceHistory


class MarketDataSource(Protocol):
    """Where prices come from: synthetic, files, Yahoo or Alpaca (adapters in infrastructure).

    `name` is what reports print as the data source ("synthetic" is always said out loud).
    """

    @property
    def name(self) -> str: ...

    @property
    def synthetic(self) -> bool: ...

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        """Adjusted daily bars of `tickers` on NYSE sessions between start and end (inclusive).

        Raises DataError naming the ticker when one cannot be had.
        """
        ...

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        """Price per ticker at decision time (latest trade, or quote mid)."""
        ...


class FetchProgress(Protocol):
    """Where a network source reports how many tickers have arrived (a progress bar on a
    terminal, nothing in --json or a pipe)."""

    def track(self, description: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        """A context whose value is called with the number of tickers done so far."""
        ...
