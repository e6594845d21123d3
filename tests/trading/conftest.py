"""Helpers for trading tests: a fixed-price market and a simulated broker on a temp SQLite file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.infrastructure.calendar import nyse_calendar
from alchemiser.infrastructure.sim_broker import SimBroker, SimBrokerConfig

# Friday 15 March 2024, 15:45 New York (EDT) = 19:45 UTC; the close is 20:00 UTC.
WINDOW = dt.datetime(2024, 3, 15, 19, 45, tzinfo=dt.UTC)


class FixedPrices:
    """A MarketDataSource whose decision-time prices are given by the test."""

    name = "fixed"
    synthetic = True

    def __init__(self, prices: dict[str, float]) -> None:
        self.prices = prices

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        raise NotImplementedError("history is not used by the broker")

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        return {t: self.prices[t] for t in tickers if t in self.prices}


DEFAULT_PRICES = {"SPY": 100.0, "AAPL": 200.0, "MSFT": 400.0, "BRK.B": 450.0, "TLT": 80.0}

MakeBroker = Callable[..., SimBroker]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"


@pytest.fixture
def make_broker(db_url: str) -> MakeBroker:
    def make(
        config: SimBrokerConfig | None = None,
        *,
        prices: dict[str, float] | None = None,
        start_at: dt.datetime | None = WINDOW,
        now: dt.datetime | None = None,
    ) -> SimBroker:
        kwargs = {} if now is None else {"now": lambda: now}
        return SimBroker(
            market_data=FixedPrices(prices or DEFAULT_PRICES),
            calendar=nyse_calendar(),
            engine=sa.create_engine(db_url),
            config=config or SimBrokerConfig(),
            start_at=start_at,
            **kwargs,
        )

    return make


def D(text: str | int | Decimal) -> Decimal:
    return Decimal(text)
