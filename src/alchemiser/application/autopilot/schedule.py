"""When each session's cycle may start: the trading window of SPEC §7 seen from a scheduler.

A session's window opens at `execution.window_start` New York time (the early-close start on
early closes), the cycle is due `start_delay_seconds` later (clock skew with the broker), and no
cycle starts later than `latest_start_minutes` before the close: a run needs time for its limit
ladder and its sweep, and starting it in the last seconds would only make a half-done day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.settings import AutopilotSettings, ExecutionSettings
from alchemiser.application.trading_engine import trading_window

NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True, slots=True)
class SessionWindow:
    day: dt.date
    opens: dt.datetime
    run_at: dt.datetime
    """When the cycle is due (aware UTC)."""
    last_start: dt.datetime
    """After this moment no cycle starts: the session is done or missed."""
    closes: dt.datetime
    early_close: bool

    def contains(self, moment: dt.datetime) -> bool:
        return self.opens <= moment < self.last_start


class Schedule:
    def __init__(
        self,
        calendar: TradingCalendar,
        execution: ExecutionSettings,
        autopilot: AutopilotSettings,
    ) -> None:
        self._calendar = calendar
        self._execution = execution
        self._autopilot = autopilot

    def window(self, day: dt.date) -> SessionWindow | None:
        """The window of `day`, or None when the exchange is closed that day."""
        opens, closes = trading_window(self._calendar, self._execution, day)
        if opens is None or closes is None:
            return None
        run_at = opens + dt.timedelta(seconds=self._autopilot.start_delay_seconds)
        last_start = closes - dt.timedelta(minutes=self._autopilot.latest_start_minutes)
        return SessionWindow(
            day=day,
            opens=opens,
            run_at=min(run_at, last_start),
            last_start=last_start,
            closes=closes,
            early_close=self._calendar.is_early_close(day),
        )

    def today(self, now: dt.datetime) -> SessionWindow | None:
        return self.window(now.astimezone(NEW_YORK).date())

    def upcoming(self, now: dt.datetime) -> SessionWindow:
        """The first session whose window has not passed at `now` (today's, or a later one)."""
        today = self.today(now)
        if today is not None and now < today.last_start:
            return today
        day = self._calendar.next_session(now.astimezone(NEW_YORK).date())
        found = self.window(day)
        assert found is not None  # next_session returns a session
        return found

    def passed(self, since: dt.datetime, now: dt.datetime) -> list[SessionWindow]:
        """Sessions whose cycle was due at or after `since` and whose window passed by `now`."""
        first = since.astimezone(NEW_YORK).date()
        last = now.astimezone(NEW_YORK).date()
        if first > last:
            return []
        found = []
        for day64 in self._calendar.sessions(first, last):
            window = self.window(dt.date.fromisoformat(str(day64)))
            if window is not None and window.run_at >= since and window.last_start <= now:
                found.append(window)
        return found

    def last_closed(self, now: dt.datetime) -> SessionWindow | None:
        """The newest session whose close is at or before `now`."""
        day = self._calendar.last_completed_session(now)
        return self.window(day)
