"""`alchemiser symphony check|convert`: validation of symphony files, and conversions."""

from __future__ import annotations

from alchemiser.application.results.common import Record, Result


class ProblemView(Record):
    message: str
    line: int | None
    column: int | None
    text: str
    """The message with file:line:column and the offending source line, for people."""


class IndicatorUse(Record):
    metric: str
    ticker: str | None
    window: int | None
    parameters: dict[str, float]


class SymphonyFileCheck(Record):
    file: str
    ok: bool
    name: str | None
    """None when the file could not be parsed at all."""
    parse_seconds: float
    tickers: list[str]
    indicators: list[IndicatorUse]
    warmup_sessions: int | None
    node_count: int | None
    distinct_nodes: int | None
    errors: list[ProblemView]
    warnings: list[ProblemView]


class SymphonyCheckResult(Result):
    ok: bool
    files: list[SymphonyFileCheck]


class SymphonyConversion(Result):
    source: str
    format: str
    """json (Composer's score) or clj."""
    text: str
