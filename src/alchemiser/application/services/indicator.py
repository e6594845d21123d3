"""The `indicator` use case: one indicator value of one ticker on one date (SPEC §3), to hold
against what another platform shows.

History is loaded from `history_years` before the *decision date* (the as-of date, or today):
recursive indicators (RSI, EMA) depend on how much history precedes the date, so they get the
same depth whatever the date, and an old as-of date never asks for an empty range.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.results.indicator import IndicatorResult
from alchemiser.application.services.research import research_warnings
from alchemiser.domain.errors import ConfigurationError, DataError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.symphony.indicators import compute_indicator, indicator_warmup
from alchemiser.domain.symphony.parser import METRIC_ALIASES

DAYS_PER_YEAR = 365.25


class IndicatorService:
    def __init__(
        self,
        market: MarketDataSource,
        calendar: TradingCalendar,
        *,
        history_years: int,
        max_daily_move: float,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._market = market
        self._calendar = calendar
        self._history_years = history_years
        self._max_daily_move = max_daily_move
        self._now = now

    def value(
        self,
        name: str,
        ticker: str,
        *,
        window: int | None = None,
        as_of: dt.date | None = None,
        parameters: dict[str, float] | None = None,
    ) -> IndicatorResult:
        metric = METRIC_ALIASES.get(name.strip().lower())
        if metric is None:
            raise ConfigurationError(
                f"unknown indicator {name!r}",
                context={"indicator": name},
                suggested_action="Use one of: " + ", ".join(sorted(METRIC_ALIASES)),
            )
        if as_of is not None and as_of > self._now().date():
            raise ConfigurationError(
                f"--as-of {as_of} is in the future",
                context={"option": "--as-of"},
                suggested_action="Give a past date, or leave --as-of out for the newest session.",
            )
        params = dict(parameters or {})
        history = self._market.history([ticker], self._start(as_of), as_of)
        symbol = history.tickers[0]
        closes = _listed_closes(history, symbol)
        day = history.last_date
        if as_of is not None and day < as_of and self._calendar.is_session(as_of):
            raise DataError(
                f"{self._market.name} has no close for {symbol} on {as_of} (newest: {day})",
                context={"ticker": symbol, "date": as_of.isoformat(), "source": self._market.name},
            )
        value = float(compute_indicator(metric, closes, window, **params)[-1])
        return IndicatorResult(
            indicator=metric.value,
            ticker=symbol,
            window=window,
            parameters=params,
            as_of=day,
            value=None if math.isnan(value) else value,
            needs_closes=indicator_warmup(metric, window, **params),
            closes_available=len(closes),
            source=self._market.name,
            synthetic=history.synthetic,
            warnings=research_warnings(
                history,
                self._calendar,
                max_daily_move=self._max_daily_move,
                as_of=as_of,
                now=self._now(),
            ),
        )

    def _start(self, as_of: dt.date | None) -> dt.date | None:
        """`history_years` back from the decision date; None (the source's default, counted
        from today) when the decision date is today."""
        if as_of is None:
            return None
        return as_of - dt.timedelta(days=round(self._history_years * DAYS_PER_YEAR))


def _listed_closes(history: PriceHistory, ticker: str) -> Any:
    """Closes from the ticker's first bar on (NaN before listing would poison recursive EMAs)."""
    closes = history.closes(ticker)
    valid = np.flatnonzero(~np.isnan(closes))
    if len(valid) == 0:
        raise DataError(
            f"no prices for {ticker} up to {history.last_date}",
            context={"ticker": ticker, "source": history.source},
        )
    return closes[valid[0] :]
