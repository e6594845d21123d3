"""One error handler turns any failure into an error record (SPEC §9).

Callers never decide by hand whether something is worth alerting: the record's category does.
Unexpected exceptions (bugs, unforeseen library errors) are CRITICAL: the run cannot be trusted.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alchemiser.application.run_context import current_run_id
from alchemiser.domain.errors import AlchemiserError, ErrorCategory, Severity

_log = logging.getLogger(__name__)

_UNEXPECTED_ACTION = (
    "This was not expected; run again with --verbose to see the traceback and report it."
)


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    category: ErrorCategory
    severity: Severity
    component: str
    context: dict[str, Any]
    message: str
    suggested_action: str
    timestamp: dt.datetime
    traceback: str
    extra: dict[str, Any] = field(default_factory=dict)
    exception_type: str = ""
    run_id: str = "-"

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "severity": self.severity.name,
            "component": self.component,
            "context": self.context,
            "message": self.message,
            "suggested_action": self.suggested_action,
            "timestamp": self.timestamp.isoformat(),
            "traceback": self.traceback,
            "extra": self.extra,
            "exception_type": self.exception_type,
            "run_id": self.run_id,
        }


class ErrorHandler:
    """Categorises, redacts, logs and keeps the records of one run."""

    def __init__(self, redact: Callable[[str], str] = lambda text: text) -> None:
        self._redact = redact
        self.records: list[ErrorRecord] = []

    def handle(
        self,
        exc: BaseException,
        *,
        component: str,
        context: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        log: bool = True,
    ) -> ErrorRecord:
        """Record `exc`; `log=False` when the caller shows the record to the user itself."""
        if isinstance(exc, AlchemiserError):
            category, severity = exc.category, exc.severity
            action = exc.suggested_action
            merged = exc.context | (context or {})
            component = exc.component or component
            message = exc.message
        else:
            category, severity = ErrorCategory.CRITICAL, Severity.CRITICAL
            action = _UNEXPECTED_ACTION
            merged = dict(context or {})
            message = f"{type(exc).__name__}: {exc}"
        record = ErrorRecord(
            category=category,
            severity=severity,
            component=component,
            context=_redact_values(merged, self._redact),
            message=self._redact(message),
            suggested_action=action,
            timestamp=dt.datetime.now(dt.UTC),
            traceback=self._redact(
                "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            ),
            extra=_redact_values(dict(extra or {}), self._redact),
            exception_type=type(exc).__name__,
            run_id=current_run_id.get(),
        )
        self.records.append(record)
        if not log:
            return record
        level = logging.WARNING if category is ErrorCategory.WARNING else logging.ERROR
        _log.log(level, "[%s] %s: %s", category.value, component, record.message)
        return record


def _redact_values(data: dict[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    return {k: redact(v) if isinstance(v, str) else v for k, v in data.items()}
