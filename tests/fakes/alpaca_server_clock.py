"""The test server's own clock: it advances (at wall-clock speed by default) and tests move it.

Alpaca's `/v2/clock`, order timestamps, cancel delays and the close at which DAY orders expire
all read this clock, so a test can jump to 15:59:59 and watch the close happen instead of
waiting for it. Sessions (opens, closes, holidays, early closes) come from exchange-calendars,
the same NYSE calendar the application uses, so the server and the client agree on the days.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
DEFAULT_START = datetime(2026, 11, 24, 15, 50, tzinfo=NEW_YORK)
"""A Tuesday, ten minutes before the close: inside the default trading window."""


class ServerClock:
    """Simulated time = start + speed × (wall seconds since start) + every manual advance.

    `speed=0` freezes it (only `advance`/`set` move it): fully deterministic tests.
    """

    def __init__(self, start: datetime | None = None, *, speed: float = 1.0) -> None:
        moment = start or DEFAULT_START
        if moment.tzinfo is None:
            raise ValueError("the server clock needs an aware datetime")
        self._lock = threading.Lock()
        self._base = moment.astimezone(UTC)
        self._wall = time.monotonic()
        self._speed = speed

    def now(self) -> datetime:
        with self._lock:
            return self._base + timedelta(seconds=(time.monotonic() - self._wall) * self._speed)

    def advance(self, seconds: float) -> datetime:
        """Jump forward (never back: Alpaca's clock does not run backwards)."""
        if seconds < 0:
            raise ValueError("the server clock only moves forward")
        with self._lock:
            self._base += timedelta(seconds=seconds)
            return self._now_locked()

    def set(self, moment: datetime) -> datetime:
        """Jump to `moment` (aware), forward only."""
        if moment.tzinfo is None:
            raise ValueError("the server clock needs an aware datetime")
        target = moment.astimezone(UTC)
        with self._lock:
            now = self._now_locked()
            if target < now:
                raise ValueError(f"the server clock only moves forward ({now} → {target})")
            self._base = target
            self._wall = time.monotonic()
            return target

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        with self._lock:
            self._base = self._now_locked()
            self._wall = time.monotonic()
            self._speed = value

    def _now_locked(self) -> datetime:
        return self._base + timedelta(seconds=(time.monotonic() - self._wall) * self._speed)


_XNYS: Any = None


def sessions(start: date, end: date) -> list[tuple[date, datetime, datetime]]:
    """NYSE sessions (date, open, close in New York time) from exchange-calendars."""
    global _XNYS  # noqa: PLW0603 - the calendar is costly to build; build it once
    if _XNYS is None:
        import exchange_calendars

        _XNYS = exchange_calendars.get_calendar("XNYS")
    found = []
    for label in _XNYS.sessions_in_range(start.isoformat(), end.isoformat()):
        opens = _XNYS.session_open(label).to_pydatetime().astimezone(NEW_YORK)
        closes = _XNYS.session_close(label).to_pydatetime().astimezone(NEW_YORK)
        found.append((label.date(), opens, closes))
    return found


def session_at(moment: datetime) -> tuple[date, datetime, datetime] | None:
    """The session open at `moment`, or None when the market is closed."""
    day = moment.astimezone(NEW_YORK).date()
    for session in sessions(day, day):
        _, opens, closes = session
        if opens <= moment < closes:
            return session
    return None


def closes_between(after: datetime, until: datetime) -> list[datetime]:
    """Session closes in (after, until]: the moments DAY orders expire."""
    if until <= after:
        return []
    first = after.astimezone(NEW_YORK).date()
    last = until.astimezone(NEW_YORK).date()
    return [c for _, _, c in sessions(first, last) if after < c <= until]
