"""`alchemiser indicator`: one indicator value, to hold against another platform's."""

from __future__ import annotations

import datetime as dt

from alchemiser.application.results.common import Result


class IndicatorResult(Result):
    indicator: str
    ticker: str
    window: int | None
    parameters: dict[str, float]
    as_of: dt.date
    """The session the value belongs to (the newest on or before the requested date)."""
    value: float | None
    """None when undefined (not enough history; see `needs_closes`)."""
    needs_closes: int
    closes_available: int
    source: str
    synthetic: bool
    warnings: list[str]
