"""The effective configuration with every secret masked: what `config show` prints and what each
run stores in the ledger (SPEC §9). One function, so the two can never mask differently.

Masking is done twice over, on purpose: by type (a `SecretStr` field shows `***`; a database
URL, which is a SecretStr with a `masked()` form, shows its password as `***`), then by value
(any secret's text found anywhere else, e.g. a password copied into another setting, is
replaced by `***`). The first keeps the output readable, the second is the safety net.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic_core import to_jsonable_python

from alchemiser.application.results.config import (
    EffectiveConfig,
    PortfolioConfigView,
    SleeveConfigView,
)
from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.redaction import MASK, Redactor


def effective_config(
    settings: BaseModel,
    portfolio: PortfolioSpec,
    *,
    ledger_url: str,
    secrets: Iterable[str],
) -> EffectiveConfig:
    """`settings` as the application reads them; `ledger_url` already without its password;
    `secrets` every secret's plain text (the settings' `secret_values()`)."""
    redact = Redactor(secrets)
    return EffectiveConfig(
        settings=_redacted(_masked_model(settings), redact),
        ledger_url=redact(ledger_url),
        portfolio=PortfolioConfigView(
            source=redact(portfolio.source),
            sleeves=[
                SleeveConfigView(
                    sleeve=s.name, symphony=redact(s.symphony), allocation=s.allocation
                )
                for s in portfolio.sleeves
            ],
        ),
    )


def _masked_model(model: BaseModel) -> dict[str, Any]:
    return {name: _masked(getattr(model, name)) for name in type(model).model_fields}


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        masked = getattr(value, "masked", None)  # a database URL: shown, its password masked
        return masked() if callable(masked) else MASK
    if isinstance(value, BaseModel):
        return _masked_model(value)
    if isinstance(value, dict):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v) for v in value]
    return to_jsonable_python(value)  # paths, times, enums, decimals → their JSON form


def _redacted(value: Any, redact: Redactor) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k): _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    return value
