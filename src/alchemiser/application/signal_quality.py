"""The trading path's data-quality gate, applied to `signal` too (issue 16).

`signal` used to allocate on a close of −1 that `trade` refuses, and a NaN close of a held
ticker surfaced as a "missing condition history" (STRATEGY) instead of bad data. The same
checks now run on the same recent window of the same tickers before anything is evaluated, and
bad prices are a DATA error naming the ticker and the date.

One difference, on purpose: staleness is not checked here. A signal on the newest data the
source has (or on a past `--as-of`) is a legitimate look; trading on it is what is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.domain.errors import AlchemiserError
from alchemiser.domain.market.quality import ProblemKind, check_quality, enforce
from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.symphony.evaluator import required_tickers
from alchemiser.domain.symphony.tree import Symphony

QUALITY_LOOKBACK_DAYS = 45
"""As the trading engine's gate: the recent prices a decision rests on."""


def enforce_signal_quality(
    portfolio: PortfolioSpec,
    *,
    load_symphony: Callable[[str], Symphony],
    market: MarketDataSource,
    calendar: TradingCalendar,
    day: dt.date,
    max_daily_move: float,
) -> None:
    """Raise DataQualityError (DATA) when the recent prices of any sleeve's tickers are bad.

    A sleeve whose symphony does not load is skipped: its own evaluation reports that."""
    tickers: set[str] = set()
    for sleeve in portfolio.sleeves:
        try:
            tickers |= required_tickers(load_symphony(sleeve.symphony))
        except AlchemiserError:
            continue
    if not tickers:
        return
    start = day - dt.timedelta(days=QUALITY_LOOKBACK_DAYS)
    try:
        history = market.history(sorted(tickers), start, day)
    except AlchemiserError:
        return  # prices that cannot be had fail their sleeves, named, in the evaluation
    if len(history) == 0:
        return  # "no sessions" is reported by the evaluation, with its own advice
    problems = check_quality(
        history,
        expected_last_session=history.last_date,
        sessions=calendar.sessions(start, history.last_date),
        max_daily_move=max_daily_move,
    )
    enforce([p for p in problems if p.kind is not ProblemKind.STALE], trading=True)
