"""`alchemiser config check`: the settings and portfolio validate (an error otherwise)."""

from __future__ import annotations

from alchemiser.application.results.common import Record, Result


class SleeveConfigView(Record):
    sleeve: str
    symphony: str
    allocation: float


class ConfigCheckResult(Result):
    ok: bool
    portfolio_source: str
    sleeves: list[SleeveConfigView]
    broker: str
    market_data_source: str
