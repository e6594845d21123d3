"""`alchemiser config check`: what was checked and what works (a doctor's list)."""

from __future__ import annotations

from pydantic import Field

from alchemiser.application.results.common import Record, Result


class SleeveConfigView(Record):
    sleeve: str
    symphony: str
    allocation: float


class ConfigCheckItem(Record):
    """One check: `name` says what (e.g. "sleeve growth", "database"), `detail` what was found
    or, when not `ok`, what is wrong (file:line for a symphony)."""

    name: str
    ok: bool
    detail: str


class ConfigCheckResult(Result):
    ok: bool
    portfolio_source: str
    sleeves: list[SleeveConfigView]
    broker: str
    market_data_source: str
    checks: list[ConfigCheckItem] = Field(default_factory=list)
