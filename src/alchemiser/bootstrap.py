"""Composition root: the one place that turns settings into concrete adapters.

The interface layer asks this module for what it needs; it never imports infrastructure itself,
so swapping an adapter (sim ↔ Alpaca, SQLite ↔ server database) is a change here only.
"""

from __future__ import annotations

import logging
from typing import Any

from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.redaction import Redactor
from alchemiser.domain.symphony.builtins import BUILTIN_NAMES
from alchemiser.infrastructure.config.portfolio_file import load_portfolio
from alchemiser.infrastructure.config.settings import Settings, load_settings
from alchemiser.infrastructure.logging_setup import configure_logging

__all__ = ["Settings", "load_settings", "portfolio_of", "redactor_for", "setup_logging"]


def redactor_for(settings: Settings) -> Redactor:
    return Redactor(settings.secret_values())


def setup_logging(settings: Settings, *, verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    configure_logging(level=level, json_lines=settings.log_json, redactor=redactor_for(settings))


def portfolio_of(settings: Settings, **overrides: Any) -> PortfolioSpec:
    """The configured sleeves (the portfolio file, or the default 0.3 / 0.5 / 0.2)."""
    path = overrides.get("portfolio_file", settings.portfolio_file)
    return load_portfolio(path, BUILTIN_NAMES)
