"""The quality gate in research mode (indicator, data show): problems are shown, nothing is
refused. Trading uses the same checks in refusing mode (trading_engine)."""

from __future__ import annotations

import datetime as dt

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.market.quality import check_quality, enforce


def research_warnings(
    history: PriceHistory,
    calendar: TradingCalendar,
    *,
    max_daily_move: float,
    as_of: dt.date | None,
    now: dt.datetime,
) -> list[str]:
    """Staleness is judged against the last completed session (or the as-of date's session);
    the synthetic market is generated through its own "today", so it is never stale."""
    expected = calendar.last_completed_session(now)
    if as_of is not None:
        expected = min(expected, calendar.session_on_or_before(as_of))
    if history.synthetic:
        expected = history.last_date
    problems = check_quality(
        history,
        expected_last_session=expected,
        sessions=calendar.sessions(history.first_date, history.last_date),
        max_daily_move=max_daily_move,
    )
    return enforce(problems, trading=False)
