"""A market data source seen from one session's decision time (no look-ahead, SPEC §16).

History ends at the session; the decision-time price is that session's close (daily bars are
all a replay has; Composer's convention decides and trades at the close, SPEC §11.1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory


class CutMarketData:
    """`MarketDataSource` that cannot see past `session`: whatever end is asked, it stops there."""

    def __init__(self, source: MarketDataSource, session: dt.date) -> None:
        self._source = source
        self.session = session

    @property
    def name(self) -> str:
        return self._source.name

    @property
    def synthetic(self) -> bool:
        return self._source.synthetic

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        cut = self.session if end is None else min(end, self.session)
        return self._source.history(tickers, start, cut)

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        bars = self._source.history(tickers, self.session, self.session)
        if len(bars) == 0 or bars.last_date != self.session:
            raise DataError(
                f"{self._source.name} has no bar on {self.session} for {', '.join(tickers)}",
                context={"date": self.session.isoformat(), "ticker": ",".join(tickers)},
            )
        row = bars.close[-1]
        return {t: float(row[i]) for i, t in enumerate(bars.tickers)}
