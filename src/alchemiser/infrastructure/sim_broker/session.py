"""Where simulated time starts: the trading window of the latest session.

Today's session if it has opened, otherwise the last completed one, so the embedded default
trades on any day at any hour (a Sunday run trades Friday's window).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.domain.trading import MarketClock

NEW_YORK = ZoneInfo("America/New_York")


def latest_session(calendar: TradingCalendar, now: dt.datetime) -> dt.date:
    today = now.astimezone(NEW_YORK).date()
    if calendar.is_session(today) and now >= calendar.open_time(today):
        return today
    return calendar.previous_session(today)


def window_start(
    calendar: TradingCalendar, session: dt.date, normal: str, early_close: str
) -> dt.datetime:
    """The session's trading window start (HH:MM New York time) as an aware UTC datetime."""
    hours, minutes = (
        int(p) for p in (early_close if calendar.is_early_close(session) else normal).split(":")
    )
    local = dt.datetime.combine(session, dt.time(hours, minutes), tzinfo=NEW_YORK)
    return local.astimezone(dt.UTC)


def market_clock(calendar: TradingCalendar, now: dt.datetime) -> MarketClock:
    day = now.astimezone(NEW_YORK).date()
    if calendar.is_session(day) and now < calendar.close_time(day):
        session = day
    else:
        session = calendar.next_session(day)
    opens = calendar.open_time(session)
    next_open = opens if now < opens else calendar.open_time(calendar.next_session(session))
    return MarketClock(
        now=now,
        is_open=bool(calendar.is_open_at(now)),
        next_open=next_open,
        next_close=calendar.close_time(session),
    )
