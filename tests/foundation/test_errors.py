"""Every exception class maps to its category; the handler makes complete, redacted records."""

from __future__ import annotations

import datetime as dt

import pytest

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.run_context import current_run_id
from alchemiser.domain import errors as e
from alchemiser.domain.errors import ErrorCategory
from alchemiser.domain.redaction import Redactor

EXPECTED = {
    e.CriticalError: ErrorCategory.CRITICAL,
    e.BrokerConnectionError: ErrorCategory.CRITICAL,
    e.AuthenticationError: ErrorCategory.CRITICAL,
    e.CorruptStateError: ErrorCategory.CRITICAL,
    e.TradingError: ErrorCategory.TRADING,
    e.OrderRejectedError: ErrorCategory.TRADING,
    e.InsufficientBuyingPowerError: ErrorCategory.TRADING,
    e.MarketClosedError: ErrorCategory.TRADING,
    e.DataError: ErrorCategory.DATA,
    e.StaleDataError: ErrorCategory.DATA,
    e.DataQualityError: ErrorCategory.DATA,
    e.StrategyError: ErrorCategory.STRATEGY,
    e.SymphonyParseError: ErrorCategory.STRATEGY,
    e.SignalUndefinedError: ErrorCategory.STRATEGY,
    e.ConfigurationError: ErrorCategory.CONFIGURATION,
    e.NotificationError: ErrorCategory.NOTIFICATION,
    e.DegradedWarning: ErrorCategory.WARNING,
}


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


ROOTS = {
    e.CriticalError: ErrorCategory.CRITICAL,
    e.TradingError: ErrorCategory.TRADING,
    e.DataError: ErrorCategory.DATA,
    e.StrategyError: ErrorCategory.STRATEGY,
    e.ConfigurationError: ErrorCategory.CONFIGURATION,
    e.NotificationError: ErrorCategory.NOTIFICATION,
    e.DegradedWarning: ErrorCategory.WARNING,
}


def _import_every_module() -> None:
    import importlib
    import pkgutil

    import alchemiser

    for info in pkgutil.walk_packages(alchemiser.__path__, "alchemiser."):
        importlib.import_module(info.name)


def test_every_exception_class_in_the_package_has_its_roots_category() -> None:
    """Classes defined anywhere (adapters, use cases) keep the category of their root."""
    _import_every_module()
    classes = _all_subclasses(e.AlchemiserError)
    assert len(classes) >= len(EXPECTED)
    for cls in classes:
        roots = [root for root in ROOTS if issubclass(cls, root)]
        assert len(roots) == 1, f"{cls.__name__} must derive from exactly one category root"
        assert cls.category is ROOTS[roots[0]], cls.__name__


@pytest.mark.parametrize(
    ("cls", "category"), EXPECTED.items(), ids=lambda x: getattr(x, "__name__", x)
)
def test_category_mapping(cls: type[e.AlchemiserError], category: ErrorCategory) -> None:
    record = ErrorHandler().handle(cls("boom"), component="test")
    assert record.category is category
    assert record.exception_type == cls.__name__


def test_exit_codes_are_distinct_and_non_zero() -> None:
    codes = [c.exit_code for c in ErrorCategory]
    assert len(set(codes)) == len(ErrorCategory) == 7
    assert all(code not in (0, 1, 2) for code in codes)


def test_record_fields() -> None:
    token = current_run_id.set("run-123")
    try:
        raise e.InsufficientBuyingPowerError(
            "buy TQQQ 10 refused", context={"ticker": "TQQQ"}, component="execution"
        )
    except e.AlchemiserError as exc:
        record = ErrorHandler().handle(exc, component="fallback", extra={"qty": 10})
    finally:
        current_run_id.reset(token)
    assert record.component == "execution"  # the raiser knows best
    assert record.context == {"ticker": "TQQQ"}
    assert record.extra == {"qty": 10}
    assert record.suggested_action.startswith("Reduce the target")
    assert record.timestamp.tzinfo is dt.UTC
    assert "InsufficientBuyingPowerError: buy TQQQ 10 refused" in record.traceback
    assert record.run_id == "run-123"
    assert record.as_dict()["category"] == "trading"


def test_unexpected_exceptions_are_critical() -> None:
    record = ErrorHandler().handle(KeyError("x"), component="engine")
    assert record.category is ErrorCategory.CRITICAL
    assert record.message == "KeyError: 'x'"


def test_secrets_are_redacted_from_records() -> None:
    handler = ErrorHandler(redact=Redactor(["s3cr3t-key"]))
    try:
        raise e.AuthenticationError("401 for key s3cr3t-key", context={"key": "s3cr3t-key"})
    except e.AlchemiserError as exc:
        record = handler.handle(exc, component="alpaca")
    assert "s3cr3t-key" not in record.message + record.traceback + str(record.context)
    assert handler.records == [record]


def test_parse_error_carries_position() -> None:
    err = e.SymphonyParseError("expected ']'", source="x.clj", line=3, column=7)
    assert str(err) == "x.clj:3:7: expected ']'"
    assert err.context["line"] == 3
