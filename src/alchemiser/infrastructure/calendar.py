"""NYSE calendar from `exchange_calendars` (SPEC §8.4), answered from plain numpy arrays.

exchange_calendars is the maintained source of sessions, holidays and early closes; it is slow to
build (~0.1 s) and strict about its bounds, so one instance per process is built lazily and every
query is a `searchsorted` over precomputed arrays.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
import zipfile
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import as_day, to_date

DateArray = npt.NDArray[np.datetime64]

CALENDAR_START = dt.date(1990, 1, 2)
"""Earliest session we answer for; older history is not needed by any strategy."""


class NyseCalendar:
    """The `TradingCalendar` port over XNYS, from 1990 to about a year ahead."""

    def __init__(
        self,
        start: dt.date = CALENDAR_START,
        end: dt.date | None = None,
        *,
        cache_dir: Path | None = None,
    ) -> None:
        arrays = _load_cached(cache_dir, start, end) if cache_dir is not None else None
        if arrays is None:
            arrays = _build(start, end)
            if cache_dir is not None:
                _store_cached(cache_dir, start, end, arrays)
        self._sessions: DateArray = arrays["sessions"]
        self._opens: npt.NDArray[np.int64] = arrays["opens"]
        self._closes: npt.NDArray[np.int64] = arrays["closes"]
        self._early: DateArray = arrays["early"]

    # -- bounds ---------------------------------------------------------------------------------
    @property
    def first_session(self) -> dt.date:
        return to_date(self._sessions[0])

    @property
    def last_session(self) -> dt.date:
        return to_date(self._sessions[-1])

    # -- sessions -------------------------------------------------------------------------------
    def sessions(self, start: dt.date, end: dt.date) -> DateArray:
        lo = np.searchsorted(self._sessions, as_day(start), side="left")
        hi = np.searchsorted(self._sessions, as_day(end), side="right")
        return self._sessions[lo:hi].copy()

    def is_session(self, day: dt.date) -> bool:
        self._check_bounds(day)
        i = int(np.searchsorted(self._sessions, as_day(day)))
        return i < len(self._sessions) and self._sessions[i] == as_day(day)

    def previous_session(self, day: dt.date) -> dt.date:
        i = int(np.searchsorted(self._sessions, as_day(day), side="left")) - 1
        if i < 0:
            raise self._out_of_range(day)
        return to_date(self._sessions[i])

    def next_session(self, day: dt.date) -> dt.date:
        i = int(np.searchsorted(self._sessions, as_day(day), side="right"))
        if i >= len(self._sessions):
            raise self._out_of_range(day)
        return to_date(self._sessions[i])

    def session_on_or_before(self, day: dt.date) -> dt.date:
        i = int(np.searchsorted(self._sessions, as_day(day), side="right")) - 1
        if i < 0:
            raise self._out_of_range(day)
        return to_date(self._sessions[i])

    def last_completed_session(self, now: dt.datetime) -> dt.date:
        session = self.session_on_or_before(now.astimezone(dt.UTC).date())
        if now < self.close_time(session):
            session = self.previous_session(session)
        return session

    def holidays(self, start: dt.date, end: dt.date) -> list[dt.date]:
        days = np.arange(as_day(start), as_day(end) + np.timedelta64(1, "D"), dtype="datetime64[D]")
        weekdays = days[np.is_busday(days)]
        closed = weekdays[~np.isin(weekdays, self._sessions)]
        return [to_date(d) for d in closed]

    def early_closes(self, start: dt.date, end: dt.date) -> list[dt.date]:
        mask = (self._early >= as_day(start)) & (self._early <= as_day(end))
        return [to_date(d) for d in self._early[mask]]

    def is_early_close(self, day: dt.date) -> bool:
        # `self._early` is sorted: a binary search (np.isin would load numpy.ma, ~25 ms of a
        # `status` start-up, for one lookup)
        wanted = as_day(day)
        at = int(np.searchsorted(self._early, wanted))
        return at < len(self._early) and bool(self._early[at] == wanted)

    # -- times ----------------------------------------------------------------------------------
    def open_time(self, day: dt.date) -> dt.datetime:
        return _utc(self._opens[self._index_of(day)])

    def close_time(self, day: dt.date) -> dt.datetime:
        return _utc(self._closes[self._index_of(day)])

    def is_open_at(self, moment: dt.datetime) -> bool:
        if moment.tzinfo is None:
            raise DataError(
                "is_open_at needs a timezone-aware time", context={"moment": str(moment)}
            )
        seconds = int(moment.timestamp())
        i = int(np.searchsorted(self._opens, seconds, side="right")) - 1
        return i >= 0 and seconds < self._closes[i]

    # -- helpers --------------------------------------------------------------------------------
    def _index_of(self, day: dt.date) -> int:
        i = int(np.searchsorted(self._sessions, as_day(day)))
        if i >= len(self._sessions) or self._sessions[i] != as_day(day):
            self._check_bounds(day)
            raise DataError(
                f"{day.isoformat()} is not an NYSE session", context={"date": day.isoformat()}
            )
        return i

    def _check_bounds(self, day: dt.date) -> None:
        if not self._sessions[0] <= as_day(day) <= self._sessions[-1]:
            raise self._out_of_range(day)

    def _out_of_range(self, day: dt.date) -> DataError:
        return DataError(
            f"{day.isoformat()} is outside the NYSE calendar "
            f"({self.first_session.isoformat()} … {self.last_session.isoformat()})",
            context={"date": day.isoformat()},
        )


_cache_dir: list[Path] = []


def use_cache_dir(directory: Path) -> None:
    """Keep the built calendar under `directory`: building it needs exchange_calendars and pandas
    (~1 s of imports on a small machine), which a quick command like `status` should not pay on
    every call. Set by the composition root before the first `nyse_calendar()`."""
    _cache_dir[:] = [directory]


@cache
def nyse_calendar() -> NyseCalendar:
    """The process-wide calendar, from the on-disk copy when `use_cache_dir` named one."""
    return NyseCalendar(cache_dir=_cache_dir[0] if _cache_dir else None)


_ARRAYS = ("sessions", "opens", "closes", "early")


def _build(start: dt.date, end: dt.date | None) -> dict[str, npt.NDArray[Any]]:
    import exchange_calendars as xcals
    import pandas as pd

    kwargs: dict[str, object] = {"start": pd.Timestamp(start)}
    if end is not None:
        kwargs["end"] = pd.Timestamp(end)
    with warnings.catch_warnings():
        # exchange_calendars itself still uses a pandas API that pandas 3 deprecates
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        cal = xcals.get_calendar("XNYS", **kwargs)
    opens = cal.schedule["open"].dt.tz_convert(None).to_numpy().astype("datetime64[s]")
    closes = cal.schedule["close"].dt.tz_convert(None).to_numpy().astype("datetime64[s]")
    return {
        "sessions": cal.sessions.to_numpy().astype("datetime64[D]"),
        "opens": opens.astype(np.int64),
        "closes": closes.astype(np.int64),
        "early": cal.early_closes.to_numpy().astype("datetime64[D]"),
    }


def _cache_file(directory: Path, start: dt.date, end: dt.date | None) -> Path:
    """Named by everything the arrays depend on: the library's version (its holiday rules), the
    bounds, and — when the end is the library's default of about a year ahead — today's date."""
    until = end.isoformat() if end is not None else f"asof{dt.datetime.now(dt.UTC).date()}"
    return directory / "calendar" / f"{_version_prefix()}{start.isoformat()}-{until}.npz"


def _version_prefix() -> str:
    from importlib.metadata import version

    return f"xnys-{version('exchange-calendars')}-"


def _load_cached(
    directory: Path, start: dt.date, end: dt.date | None
) -> dict[str, npt.NDArray[Any]] | None:
    path = _cache_file(directory, start, end)
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in _ARRAYS}
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # absent or damaged: rebuild (and rewrite) it
    if len(arrays["sessions"]) == 0 or not (
        len(arrays["sessions"]) == len(arrays["opens"]) == len(arrays["closes"])
    ):
        return None
    return arrays


def _store_cached(
    directory: Path, start: dt.date, end: dt.date | None, arrays: dict[str, npt.NDArray[Any]]
) -> None:
    path = _cache_file(directory, start, end)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        with tmp.open("wb") as out:
            np.savez(
                out,
                sessions=arrays["sessions"],
                opens=arrays["opens"],
                closes=arrays["closes"],
                early=arrays["early"],
            )
        os.replace(tmp, path)  # readers see the whole file or none
    except OSError:
        return  # a read-only data dir only costs the rebuild next time
    _forget_superseded(path)


def _forget_superseded(kept: Path) -> None:
    """Delete the copies this one replaces: the open-ended ("as of") copies of earlier days and
    those of other library versions. One is written per day, about 230 kB each; without this
    the folder grows by some 80 MB a year. Copies with an explicit end (a fixed range) stay:
    they are still right. A reader that has one open keeps reading it (POSIX unlink); one that
    finds it gone rebuilds."""
    current = _version_prefix()
    for old in kept.parent.glob("xnys-*.npz"):
        if old == kept or ".tmp." in old.name:  # another process may be writing a .tmp
            continue
        if "-asof" in old.name or not old.name.startswith(current):
            with suppress(OSError):
                old.unlink()


def _utc(seconds: np.int64 | int) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)
