"""`alchemiser config check` (what was checked and what works, a doctor's list) and
`config show` (the effective settings, secrets masked)."""

from __future__ import annotations

from typing import Any

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


class PortfolioConfigView(Record):
    source: str
    """The portfolio file, or "<defaults>"."""
    sleeves: list[SleeveConfigView]


class EffectiveConfig(Result):
    """`alchemiser config show`, and the settings each run stores in the ledger: the effective
    settings with every secret masked (SecretStr fields by type, a database URL's password
    inside the URL, and any secret value wherever else it appears)."""

    settings: dict[str, Any]
    """Every setting by its name (free-form: the settings grow without a schema change)."""
    ledger_url: str
    """Where the ledger is, password masked."""
    portfolio: PortfolioConfigView
