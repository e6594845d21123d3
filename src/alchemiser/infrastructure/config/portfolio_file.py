"""Reads the portfolio TOML file.

Two spellings, both validated the same way:

    [sleeves]
    nuclear = 0.30              # a built-in strategy
    tecl = 0.50

    [sleeves.growth]            # any name, a symphony file and its allocation
    symphony = "strategies/growth.clj"   # relative to this file
    allocation = 0.20

    [risk]                      # optional; overrides ALCHEMISER_RISK__… key by key
    max_ticker_weight = 0.35
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from alchemiser.application.settings import RiskSettings
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.portfolio.sleeves import (
    DEFAULT_PORTFOLIO,
    SYMPHONY_SUFFIXES,
    PortfolioSpec,
    SleeveSpec,
)


def load_portfolio(path: Path | None, builtin_names: Collection[str]) -> PortfolioSpec:
    if path is None:
        return DEFAULT_PORTFOLIO
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"{source}: portfolio file not found",
            context={"file": source, "key": "portfolio_file"},
            suggested_action="Create it or point ALCHEMISER_PORTFOLIO_FILE at an existing file.",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"{source}: malformed TOML: {exc}", context={"file": source}
        ) from None
    table = raw.get("sleeves")
    if not isinstance(table, dict):
        raise ConfigurationError(
            f"{source}: missing [sleeves] table",
            context={"file": source, "key": "sleeves"},
            suggested_action="Add `[sleeves]` with lines such as `nuclear = 0.3`.",
        )
    sleeves = tuple(_sleeve(name, value, path, builtin_names) for name, value in table.items())
    return PortfolioSpec(sleeves=sleeves, source=source, risk=_risk_table(raw, source))


def _risk_table(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """The `[risk]` table, validated now so a bad limit names this file and key."""
    table = raw.get("risk", {})
    if not isinstance(table, dict):
        raise ConfigurationError(
            f"{source}: `risk` must be a table ([risk]), got {table!r}",
            context={"file": source, "key": "risk"},
        )
    try:
        RiskSettings.model_validate(table)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(["risk", *(str(p) for p in err["loc"])])
            problems.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigurationError(
            f"{source}: invalid risk setting{'s' if len(problems) > 1 else ''}: "
            + "; ".join(problems),
            context={
                "file": source,
                "key": ".".join(["risk", *(str(p) for p in exc.errors()[0]["loc"])]),
            },
        ) from None
    return dict(table)


def _sleeve(name: str, value: Any, path: Path, builtin_names: Collection[str]) -> SleeveSpec:
    source = str(path)
    key = f"sleeves.{name}"
    if isinstance(value, dict):
        unknown = set(value) - {"symphony", "allocation"}
        if unknown:
            raise ConfigurationError(
                f"{source}: {key} has unknown key(s) {sorted(unknown)}; "
                "expected `symphony` and `allocation`",
                context={"file": source, "key": key},
            )
        allocation = value.get("allocation")
        symphony = value.get("symphony", name)
    else:
        allocation, symphony = value, name
    if isinstance(allocation, bool) or not isinstance(allocation, int | float):
        raise ConfigurationError(
            f"{source}: {key} allocation must be a number, got {allocation!r}",
            context={"file": source, "key": f"{key}.allocation"},
        )
    if not isinstance(symphony, str):
        raise ConfigurationError(
            f"{source}: {key}.symphony must be a string", context={"file": source, "key": key}
        )
    return SleeveSpec(name, _resolve(symphony, key, path, builtin_names), float(allocation))


def _resolve(symphony: str, key: str, path: Path, builtin_names: Collection[str]) -> str:
    if symphony in builtin_names:
        return symphony
    if symphony.endswith(SYMPHONY_SUFFIXES):
        candidate = Path(symphony)
        if not candidate.is_absolute():
            candidate = path.parent / candidate
        if candidate.is_file():
            return str(candidate)
        raise ConfigurationError(
            f"{path}: {key}: symphony file {symphony!r} not found (looked at {candidate})",
            context={"file": str(path), "key": key},
        )
    raise ConfigurationError(
        f"{path}: {key}: unknown sleeve {symphony!r}; built-ins are "
        f'{", ".join(sorted(builtin_names))}, or give `symphony = "path/to/file.clj"`',
        context={"file": str(path), "key": key},
    )
