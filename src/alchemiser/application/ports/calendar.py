"""Port for the exchange calendar (SPEC §8.4): every date → session question goes through it.

Dates are plain `datetime.date` (sessions are days); times are timezone-aware datetimes.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import numpy as np
import numpy.typing as npt


class TradingCalendar(Protocol):
    """NYSE sessions, holidays and early closes (adapter: infrastructure.calendar)."""

    @property
    def first_session(self) -> dt.date: ...

    @property
    def last_session(self) -> dt.date:
        """The last session the calendar knows (about a year ahead of today)."""
        ...

    def sessions(self, start: dt.date, end: dt.date) -> npt.NDArray[np.datetime64]:
        """Sessions with start <= day <= end, as datetime64[D] (the PriceHistory index type)."""
        ...

    def is_session(self, day: dt.date) -> bool: ...

    def previous_session(self, day: dt.date) -> dt.date:
        """The last session strictly before `day`."""
        ...

    def next_session(self, day: dt.date) -> dt.date:
        """The first session strictly after `day`."""
        ...

    def session_on_or_before(self, day: dt.date) -> dt.date:
        """`day` if it is a session, else the session before it (how a date becomes a session)."""
        ...

    def last_completed_session(self, now: dt.datetime) -> dt.date:
        """The newest session whose close is at or before the aware `now`."""
        ...

    def holidays(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Weekdays between start and end on which the exchange is closed."""
        ...

    def early_closes(self, start: dt.date, end: dt.date) -> list[dt.date]: ...

    def is_early_close(self, day: dt.date) -> bool: ...

    def open_time(self, day: dt.date) -> dt.datetime:
        """The session's open (aware, UTC); DataError when `day` is not a session."""
        ...

    def close_time(self, day: dt.date) -> dt.datetime:
        """The session's close (aware, UTC): 21:00/20:00 UTC normally, 18:00/17:00 early."""
        ...

    def is_open_at(self, moment: dt.datetime) -> bool:
        """Whether the regular session is running at an aware `moment`."""
        ...
