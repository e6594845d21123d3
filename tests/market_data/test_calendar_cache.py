"""The on-disk copy of the NYSE calendar (issue 16, start-up) answers exactly as one built by
exchange_calendars, and a damaged copy is rebuilt rather than trusted."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest

from alchemiser.infrastructure.calendar import NyseCalendar

START, END = dt.date(2019, 1, 2), dt.date(2021, 12, 31)


def _same(a: NyseCalendar, b: NyseCalendar) -> None:
    days = a.sessions(START, END)
    assert np.array_equal(days, b.sessions(START, END))
    assert a.holidays(START, END) == b.holidays(START, END)
    assert a.early_closes(START, END) == b.early_closes(START, END)
    for day in (dt.date(2019, 11, 29), dt.date(2020, 3, 16), dt.date(2021, 12, 31)):
        assert a.open_time(day) == b.open_time(day) and a.close_time(day) == b.close_time(day)


@pytest.mark.timeout(120)
def test_a_cached_calendar_equals_a_built_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = NyseCalendar(START, END)
    NyseCalendar(START, END, cache_dir=tmp_path)  # writes the copy
    (stored,) = (tmp_path / "calendar").iterdir()
    monkeypatch.setitem(sys.modules, "exchange_calendars", None)  # reading needs no library
    cached = NyseCalendar(START, END, cache_dir=tmp_path)
    _same(cached, built)
    # the day after Thanksgiving 2019 closed at 13:00 New York time (18:00 UTC)
    assert cached.close_time(dt.date(2019, 11, 29)) == dt.datetime(2019, 11, 29, 18, tzinfo=dt.UTC)
    assert stored.name.endswith(f"{START.isoformat()}-{END.isoformat()}.npz")


@pytest.mark.timeout(120)
def test_a_damaged_copy_is_rebuilt(tmp_path: Path) -> None:
    NyseCalendar(START, END, cache_dir=tmp_path)
    (stored,) = (tmp_path / "calendar").iterdir()
    stored.write_bytes(stored.read_bytes()[:100])  # truncated
    _same(NyseCalendar(START, END, cache_dir=tmp_path), NyseCalendar(START, END))
    assert stored.stat().st_size > 100  # rewritten whole


@pytest.mark.timeout(120)
def test_a_new_days_copy_replaces_the_ones_it_supersedes(tmp_path: Path) -> None:
    """One open-ended copy is written per day: yesterday's, and every copy made by another
    exchange_calendars version, go; a fixed range of this version and a copy being written by
    another process (.tmp) stay."""
    from importlib.metadata import version

    folder = tmp_path / "calendar"
    folder.mkdir()
    this = f"xnys-{version('exchange-calendars')}-{START.isoformat()}"
    yesterday = folder / f"{this}-asof2000-01-01.npz"
    fixed = folder / f"{this}-{END.isoformat()}.npz"
    older_library = folder / f"xnys-0.0.1-{START.isoformat()}-{END.isoformat()}.npz"
    being_written = folder / f"{this}-asof2000-01-02.4242.tmp.npz"
    for path in (yesterday, fixed, older_library, being_written):
        path.write_bytes(b"x")
    NyseCalendar(START, cache_dir=tmp_path)
    today = f"{this}-asof{dt.datetime.now(dt.UTC).date()}.npz"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [today, fixed.name, being_written.name]
    )
