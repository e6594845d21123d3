"""The `data fetch` and `data show` use cases: fill the cache, and show the newest bars."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.results.data import Bar, BarsResult, DataFetchResult, FetchedTicker
from alchemiser.application.services.research import research_warnings
from alchemiser.domain.market.price_history import to_date


class FetchReport(Protocol):
    """What a cached source reports for one ticker after a refresh."""

    @property
    def ticker(self) -> str: ...
    @property
    def fetched_ranges(self) -> tuple[tuple[dt.date, dt.date], ...]: ...
    @property
    def new_rows(self) -> int: ...
    @property
    def rows(self) -> int: ...
    @property
    def first(self) -> dt.date | None: ...
    @property
    def last(self) -> dt.date | None: ...


class MarketDataService:
    def __init__(
        self,
        market: MarketDataSource,
        calendar: TradingCalendar,
        *,
        max_daily_move: float,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._market = market
        self._calendar = calendar
        self._max_daily_move = max_daily_move
        self._now = now

    def fetch(self, tickers: Sequence[str], start: dt.date | None) -> DataFetchResult:
        """Bring the cache up to the last completed session (only new bars are fetched); the
        synthetic market is generated on demand and just reports what it holds."""
        refresh: Callable[..., list[FetchReport]] | None = getattr(self._market, "refresh", None)
        if self._market.synthetic or refresh is None:
            history = self._market.history(tickers, start, None)
            rows = [
                FetchedTicker(
                    ticker=t,
                    fetched=[],
                    new_rows=0,
                    rows=int(np.count_nonzero(~np.isnan(history.closes(t)))),
                    first=history.first_date,
                    last=history.last_date,
                )
                for t in history.tickers
            ]
        else:
            rows = [
                FetchedTicker(
                    ticker=r.ticker,
                    fetched=list(r.fetched_ranges),
                    new_rows=r.new_rows,
                    rows=r.rows,
                    first=r.first,
                    last=r.last,
                )
                for r in refresh(tickers, start)
            ]
        return DataFetchResult(
            source=self._market.name, synthetic=self._market.synthetic, tickers=rows
        )

    def bars(self, ticker: str, last: int) -> BarsResult:
        """The newest `last` bars of one ticker, with the research-mode data warnings."""
        history = self._market.history([ticker], None, None)
        tail = history.between(start=to_date(history.dates[max(0, len(history) - last)]))

        def field(name: str, row: int) -> float | None:
            values = getattr(tail, name)
            value = None if values is None else float(values[row, 0])
            return None if value is None or math.isnan(value) else value

        return BarsResult(
            ticker=history.tickers[0],
            source=self._market.name,
            synthetic=history.synthetic,
            bars=[
                Bar(
                    date=to_date(day),
                    open=field("open", i),
                    high=field("high", i),
                    low=field("low", i),
                    close=field("close", i),
                    volume=field("volume", i),
                )
                for i, day in enumerate(tail.dates)
            ],
            warnings=research_warnings(
                history,
                self._calendar,
                max_daily_move=self._max_daily_move,
                as_of=None,
                now=self._now(),
            ),
        )
