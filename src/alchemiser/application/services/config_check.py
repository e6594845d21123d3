"""The `config check` use case. Loading the settings and the portfolio file already validates
them (a ConfigurationError names the setting or file); this says what was found."""

from __future__ import annotations

from alchemiser.application.results.config import ConfigCheckResult, SleeveConfigView
from alchemiser.domain.portfolio.sleeves import PortfolioSpec


def config_check(portfolio: PortfolioSpec, *, broker: str, market_data: str) -> ConfigCheckResult:
    return ConfigCheckResult(
        ok=True,
        portfolio_source=portfolio.source,
        sleeves=[
            SleeveConfigView(sleeve=s.name, symphony=s.symphony, allocation=s.allocation)
            for s in portfolio.sleeves
        ],
        broker=broker,
        market_data_source=market_data,
    )
