"""The shared vocabulary of every published result: exact decimals, run statuses, phases.

JSON conventions (the same in every command and in docs/schemas):
- money, prices and quantities are exact decimal *strings* ("1234.50", "0.125"): a float would
  lose cents and shares, and the engine computes them as `Decimal`;
- weights, shares of a portfolio and performance metrics are JSON numbers (fractions: 0.25 = 25%);
- dates are `YYYY-MM-DD`, times ISO 8601 with an offset; an undefined number is `null`.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from alchemiser.application.ports.ledger import RunStatus
from alchemiser.domain.errors import ErrorCategory

__all__ = [
    "SCHEMA_VERSION",
    "DecimalStr",
    "ErrorView",
    "Phase",
    "Record",
    "Result",
    "RunStatus",
    "Timestamp",
    "json_safe",
    "number_or_none",
]

SCHEMA_VERSION: Final = 1
"""Raised when a published field is renamed, removed or changes meaning (adding one is not)."""


def _plain(value: Decimal) -> str:
    """Fixed-point text: never scientific notation ('1E+2'), never a float."""
    return format(value, "f")


DecimalStr = Annotated[
    Decimal,
    PlainSerializer(_plain, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
            "description": "An exact decimal number written as a string.",
        }
    ),
]


def _utc(moment: dt.datetime) -> dt.datetime:
    """Everything recorded is UTC; a store that drops the offset (SQLite) gets it back."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


Timestamp = Annotated[dt.datetime, AfterValidator(_utc)]
"""A moment, always with its UTC offset in JSON."""


class Phase(StrEnum):
    """The phase an order or planned trade belongs to (SPEC §7)."""

    SELL = "sell"
    BUY = "buy"
    TOPUP = "topup"
    """Buys sized after the first buys filled, spending the price buffer held back."""


class Record(BaseModel):
    """A part of a result: immutable, no unknown fields."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )


class Result(Record):
    """A whole published result: what one use case answers, rendered by every channel alike."""

    schema_version: Literal[1] = SCHEMA_VERSION


class InterventionView(Record):
    """One thing a risk rule changed or refused (SPEC §14); mirrors domain.risk.Intervention."""

    rule: str
    ticker: str | None
    before: float
    after: float
    action: str
    """scale or block."""
    reason: str


def intervention_view(intervention: Any) -> InterventionView:
    """From a domain.risk.Intervention (typed loosely: results import no domain rules)."""
    return InterventionView.model_validate(intervention.as_dict())


class ErrorView(Record):
    """One error as every result shows it (the ledger keeps the full record with traceback)."""

    category: ErrorCategory
    component: str
    message: str
    context: dict[str, Any]
    suggested_action: str
    timestamp: Timestamp | None = None

    @property
    def exit_code(self) -> int:
        return self.category.exit_code


def json_safe(value: Any) -> Any:
    """Free-form context (error context, explanation details) as JSON values: exact decimals
    and dates become text, anything else unknown its `str`. Only for fields documented as
    free-form; typed fields never pass through here."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    item = getattr(value, "item", None)  # a numpy scalar (np.int64, np.bool_) → its Python value
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def number_or_none(value: float) -> float | None:
    """A metric as JSON: NaN (undefined, e.g. a Sharpe without volatility) becomes null."""
    return None if math.isnan(value) or math.isinf(value) else float(value)
