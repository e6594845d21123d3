"""The error model of SPEC §9: every failure belongs to exactly one category.

Categories decide who is alerted and how the CLI exits, so each exception class carries its
category and a suggested action instead of callers guessing from message text.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any


class ErrorCategory(StrEnum):
    CRITICAL = "critical"
    TRADING = "trading"
    DATA = "data"
    STRATEGY = "strategy"
    CONFIGURATION = "configuration"
    NOTIFICATION = "notification"
    WARNING = "warning"

    @property
    def exit_code(self) -> int:
        """Distinct process exit code, so scripts can react per category."""
        return _EXIT_CODES[self]


_EXIT_CODES = {
    ErrorCategory.CRITICAL: 10,
    ErrorCategory.TRADING: 11,
    ErrorCategory.DATA: 12,
    ErrorCategory.STRATEGY: 13,
    ErrorCategory.CONFIGURATION: 14,
    ErrorCategory.NOTIFICATION: 15,
    ErrorCategory.WARNING: 16,
}


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class AlchemiserError(Exception):
    """Base of every error we raise on purpose.

    `context` names what was being worked on (file, ticker, order, setting) so the message a user
    sees can say *where*; `suggested_action` says what to do about it.
    """

    category: ErrorCategory = ErrorCategory.CRITICAL
    severity: Severity = Severity.HIGH
    default_action: str = "Check the log for details and retry once the cause is fixed."

    def __init__(
        self,
        message: str,
        *,
        context: dict[str, Any] | None = None,
        suggested_action: str | None = None,
        component: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = dict(context or {})
        self.suggested_action = suggested_action or self.default_action
        self.component = component


class CriticalError(AlchemiserError):
    """The system cannot go on safely: broker unreachable, authentication, corrupt state."""

    category = ErrorCategory.CRITICAL
    severity = Severity.CRITICAL
    default_action = "Trading was stopped. Fix the cause before the next run."


class BrokerConnectionError(CriticalError):
    default_action = "Check network access and the broker's status page, then run again."


class AuthenticationError(CriticalError):
    default_action = "Check the API key pair (paper and live keys are different pairs)."


class CorruptStateError(CriticalError):
    default_action = "Inspect the named file or database; restore it from a backup if needed."


class TradingError(AlchemiserError):
    """An order could not be placed, filled or verified."""

    category = ErrorCategory.TRADING
    severity = Severity.HIGH
    default_action = "Review the orders in `alchemiser history` and the broker's order log."


class OrderRejectedError(TradingError):
    pass


class InsufficientBuyingPowerError(OrderRejectedError):
    default_action = "Reduce the target or add funds; buys are scaled to buying power."


class MarketClosedError(TradingError):
    severity = Severity.MEDIUM
    default_action = "Run inside the trading window, or pass --force to trade anyway."


class TradingHaltedError(TradingError):
    """The kill switch is on (`alchemiser halt` or the drawdown breaker): no order is placed."""

    severity = Severity.MEDIUM
    default_action = "Find out why trading was halted; `alchemiser resume` lifts the halt."


class StopRequestedError(TradingError):
    """The process was asked to stop mid-cycle: no new order; working ones are cancelled."""

    severity = Severity.MEDIUM
    default_action = "The run stopped early on request; the next run re-plans from the broker."


class DataError(AlchemiserError):
    """Prices are missing, stale or implausible, or an indicator cannot be computed."""

    category = ErrorCategory.DATA
    severity = Severity.HIGH
    default_action = "Refresh the data (`alchemiser data fetch`) or check the data source."


class StaleDataError(DataError):
    pass


class DataQualityError(DataError):
    pass


class DataUnavailableError(DataError):
    """The data source could not be reached or answered 5xx/429: worth retrying later."""

    default_action = "Retry later; check the network and the data source's status."


class StrategyError(AlchemiserError):
    """A symphony is invalid or cannot produce an allocation for the day."""

    category = ErrorCategory.STRATEGY
    severity = Severity.HIGH
    default_action = "Run `alchemiser symphony check FILE` and fix the reported position."


class SymphonyParseError(StrategyError):
    """A symphony file is malformed; the message carries file:line:column."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "<symphony>",
        line: int | None = None,
        column: int | None = None,
        **kwargs: Any,
    ) -> None:
        where = source if line is None else f"{source}:{line}:{column or 1}"
        context = {"file": source, "line": line, "column": column} | kwargs.pop("context", {})
        super().__init__(f"{where}: {message}", context=context, **kwargs)
        self.source = source
        self.line = line
        self.column = column
        self.reason = message


class SignalUndefinedError(StrategyError):
    """The symphony is undefined on the decision date (e.g. not enough history)."""

    default_action = "Load more history (an indicator needs its whole window) or check the data."


class ConfigurationError(AlchemiserError):
    """Settings, portfolio files or keys are missing or invalid."""

    category = ErrorCategory.CONFIGURATION
    severity = Severity.HIGH
    default_action = "Fix the named setting; `alchemiser config check` validates everything."


class NotificationError(AlchemiserError):
    """An email or webhook could not be delivered. Never stops trading."""

    category = ErrorCategory.NOTIFICATION
    severity = Severity.MEDIUM
    default_action = "Check the notification settings with `alchemiser notify test`."


class DegradedWarning(AlchemiserError):  # noqa: N818 - a category, not a failure
    """Something worked, but not as well as it should (fallback used, data note)."""

    category = ErrorCategory.WARNING
    severity = Severity.LOW
    default_action = "No action needed now; keep an eye on it."
