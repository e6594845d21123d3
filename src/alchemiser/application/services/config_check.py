"""The `config check` use case. Loading the settings and the portfolio file already validates
them (a ConfigurationError names the setting or file); this then tries what a run would need —
every sleeve's symphony, the ledger database and, online, the broker and the data source — and
reports each one, so a setting accepted here is not rejected by `trade` (SPEC §12)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alchemiser.application.results.config import (
    ConfigCheckItem,
    ConfigCheckResult,
    SleeveConfigView,
)
from alchemiser.domain.errors import AlchemiserError
from alchemiser.domain.portfolio.sleeves import PortfolioSpec

Probe = tuple[str, Callable[[], str]]
"""A named check: returns what it found; raises (an AlchemiserError, ideally) when it fails."""


def config_check(
    portfolio: PortfolioSpec,
    *,
    broker: str,
    market_data: str,
    load_symphony: Callable[[str], object] | None = None,
    probes: Sequence[Probe] = (),
) -> ConfigCheckResult:
    checks = [_sleeve_check(s.name, s.symphony, load_symphony) for s in portfolio.sleeves]
    checks.extend(_run(name, probe) for name, probe in probes)
    return ConfigCheckResult(
        ok=all(c.ok for c in checks),
        portfolio_source=portfolio.source,
        sleeves=[
            SleeveConfigView(sleeve=s.name, symphony=s.symphony, allocation=s.allocation)
            for s in portfolio.sleeves
        ],
        broker=broker,
        market_data_source=market_data,
        checks=checks,
    )


def _sleeve_check(
    name: str, symphony: str, load_symphony: Callable[[str], object] | None
) -> ConfigCheckItem:
    if load_symphony is None:
        return ConfigCheckItem(name=f"sleeve {name}", ok=True, detail=f"{symphony} (not parsed)")

    def parse() -> str:
        load_symphony(symphony)
        return f"{symphony} parses and validates"

    return _run(f"sleeve {name}", parse)


def _run(name: str, probe: Callable[[], str]) -> ConfigCheckItem:
    try:
        return ConfigCheckItem(name=name, ok=True, detail=probe())
    except AlchemiserError as exc:
        return ConfigCheckItem(name=name, ok=False, detail=exc.message)
    except Exception as exc:
        return ConfigCheckItem(name=name, ok=False, detail=f"{type(exc).__name__}: {exc}")
