"""What `--json` prints instead of a result when a command fails (same exit codes)."""

from __future__ import annotations

from typing import Any

from alchemiser.application.results.common import Record, Result, json_safe
from alchemiser.domain.errors import ErrorCategory


class ErrorBody(Record):
    category: ErrorCategory
    exit_code: int
    message: str
    context: dict[str, Any]
    """Free-form: what the error is about (file, ticker, setting…), JSON values only."""
    suggested_action: str


class ErrorEnvelope(Result):
    error: ErrorBody

    @classmethod
    def of(
        cls,
        category: ErrorCategory,
        message: str,
        context: dict[str, Any],
        suggested_action: str,
    ) -> ErrorEnvelope:
        return cls(
            error=ErrorBody(
                category=category,
                exit_code=category.exit_code,
                message=message,
                context=json_safe(context),
                suggested_action=suggested_action,
            )
        )
