"""NYSE calendar facts, checked against the exchange's published schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from alchemiser import bootstrap
from alchemiser.domain.errors import DataError
from alchemiser.infrastructure.calendar import nyse_calendar

UTC = dt.UTC


def test_early_closes_and_the_2025_01_09_closure() -> None:
    cal = bootstrap.trading_calendar()
    assert cal.is_early_close(dt.date(2024, 7, 3))
    assert cal.is_early_close(dt.date(2024, 11, 29))
    assert not cal.is_early_close(dt.date(2024, 7, 5))
    assert cal.is_session(dt.date(2024, 11, 29))
    assert not cal.is_session(dt.date(2025, 1, 9))  # national day of mourning (President Carter)
    assert cal.early_closes(dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == [
        dt.date(2024, 7, 3),
        dt.date(2024, 11, 29),
        dt.date(2024, 12, 24),
    ]


def test_close_and_open_times() -> None:
    cal = nyse_calendar()
    # 13:00 New York (EDT, UTC−4) on the early close; 16:00 New York (EST, UTC−5) in winter
    assert cal.close_time(dt.date(2024, 7, 3)) == dt.datetime(2024, 7, 3, 17, 0, tzinfo=UTC)
    assert cal.close_time(dt.date(2024, 11, 29)) == dt.datetime(2024, 11, 29, 18, 0, tzinfo=UTC)
    assert cal.close_time(dt.date(2025, 1, 10)) == dt.datetime(2025, 1, 10, 21, 0, tzinfo=UTC)
    assert cal.open_time(dt.date(2025, 1, 10)) == dt.datetime(2025, 1, 10, 14, 30, tzinfo=UTC)
    with pytest.raises(DataError, match="2025-01-09 is not an NYSE session"):
        cal.close_time(dt.date(2025, 1, 9))


def test_previous_next_and_on_or_before() -> None:
    cal = nyse_calendar()
    assert cal.previous_session(dt.date(2025, 1, 10)) == dt.date(2025, 1, 8)
    assert cal.next_session(dt.date(2025, 1, 8)) == dt.date(2025, 1, 10)
    assert cal.session_on_or_before(dt.date(2025, 1, 12)) == dt.date(2025, 1, 10)  # Sunday
    assert cal.session_on_or_before(dt.date(2025, 1, 10)) == dt.date(2025, 1, 10)
    assert cal.next_session(dt.date(2024, 12, 31)) == dt.date(2025, 1, 2)


def test_holidays_and_sessions() -> None:
    cal = nyse_calendar()
    assert cal.holidays(dt.date(2025, 1, 1), dt.date(2025, 1, 31)) == [
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 9),
        dt.date(2025, 1, 20),
    ]
    assert len(cal.sessions(dt.date(2024, 1, 1), dt.date(2024, 12, 31))) == 252
    assert str(cal.sessions(dt.date(2025, 1, 8), dt.date(2025, 1, 13)).dtype) == "datetime64[D]"


def test_is_open_at() -> None:
    cal = nyse_calendar()
    assert cal.is_open_at(dt.datetime(2024, 7, 3, 16, 59, tzinfo=UTC))
    assert not cal.is_open_at(dt.datetime(2024, 7, 3, 17, 0, tzinfo=UTC))
    assert not cal.is_open_at(dt.datetime(2025, 1, 9, 16, 0, tzinfo=UTC))
    assert not cal.is_open_at(dt.datetime(2025, 1, 10, 14, 29, tzinfo=UTC))
    with pytest.raises(DataError, match="timezone-aware"):
        cal.is_open_at(dt.datetime(2025, 1, 10, 15, 0))


def test_out_of_range_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="outside the NYSE calendar"):
        nyse_calendar().previous_session(dt.date(1980, 1, 1))
