"""Alpaca failures → our error model, decided here once so callers never parse broker text.

The one distinction that matters for safety is *ambiguous* (the request may have reached
Alpaca: timeout, reset, 5xx) versus *refused* (Alpaca answered no: 4xx). A refused order can be
reported; an ambiguous one must be looked up by its client order id before anything else.
A third kind is neither: Alpaca answered, but the answer cannot be read (bad JSON, missing
fields, a validation failure inside alpaca-py). That is CRITICAL "unexpected response from the
broker", naming the endpoint; it is never retried or reported as a network problem.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from alpaca.common.exceptions import APIError

from alchemiser.domain.errors import (
    AlchemiserError,
    AuthenticationError,
    BrokerConnectionError,
    DataError,
    InsufficientBuyingPowerError,
    OrderRejectedError,
    TradingError,
)
from alchemiser.domain.trading import (
    DuplicateClientOrderIdError,
    UnexpectedBrokerResponseError,
    UnknownOrderError,
)

COMPONENT = "alpaca"
INSUFFICIENT_BUYING_POWER_CODE = 40310000
"""Alpaca answers HTTP 403 with this code for buying power *and* for too few shares to sell."""


class AlpacaUnavailableError(BrokerConnectionError):
    """No usable answer (timeout, connection reset, HTTP 5xx): the call may have taken effect."""


class AlpacaRateLimitedError(BrokerConnectionError):
    """HTTP 429: Alpaca did not process the request; it may be sent again after `retry_after`."""

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class AccountRestrictedError(TradingError):
    """The account may not trade (`trading_blocked`, `account_blocked` or not ACTIVE)."""

    default_action = "Resolve the restriction in the Alpaca dashboard; nothing was submitted."


def translate(
    exc: Exception,
    *,
    operation: str,
    redact: Callable[[str], str],
    context: dict[str, Any] | None = None,
    endpoint: str | None = None,
) -> AlchemiserError:
    """The AlchemiserError for a failure of `operation` (e.g. "submit order"), secrets masked.

    `endpoint` ("POST /v2/orders") names the call whose answer could not be read.
    """
    where = {"operation": operation, **(context or {})}
    if endpoint:
        where["endpoint"] = endpoint
    if isinstance(exc, AlchemiserError):
        return exc
    if isinstance(exc, APIError):
        return _from_api_error(exc, operation=operation, redact=redact, context=where)
    if isinstance(exc, json.JSONDecodeError):
        # requests' JSONDecodeError is also a RequestException: it must not pass for a network
        # failure, the answer arrived and was not JSON.
        return unexpected_response(
            endpoint or operation,
            f"{type(exc).__name__}: {redact(str(exc))[:300]}",
            context=where,
        )
    host = _host_of(exc)
    if host:
        where["host"] = host
    at = f" ({host})" if host else ""
    if isinstance(exc, requests.Timeout):
        return AlpacaUnavailableError(
            f"Alpaca did not answer {operation} in time{at}", context=where, component=COMPONENT
        )
    if isinstance(exc, requests.RequestException | OSError):
        return AlpacaUnavailableError(
            f"Alpaca connection failed during {operation}{at}: {type(exc).__name__}",
            context=where,
            component=COMPONENT,
        )
    # Anything else came from reading the answer (pydantic validation inside alpaca-py, a
    # missing key, a wrong type): the broker answered, but not with what the API promises.
    return unexpected_response(
        endpoint or operation,
        f"{type(exc).__name__}: {redact(str(exc))[:300]}",
        context=where,
    )


def unexpected_response(
    endpoint: str, detail: str, *, context: dict[str, Any] | None = None
) -> UnexpectedBrokerResponseError:
    """CRITICAL, not retried: Alpaca answered `endpoint` with something we cannot read."""
    return UnexpectedBrokerResponseError(
        f"unexpected response from the broker to {endpoint}: {detail}",
        context={"endpoint": endpoint, **(context or {})},
        component=COMPONENT,
    )


def _from_api_error(
    exc: APIError, *, operation: str, redact: Callable[[str], str], context: dict[str, Any]
) -> AlchemiserError:
    status = exc.status_code or 0
    code, message = _code_and_message(str(exc))
    message = redact(message)
    context = {**context, "http_status": status, "alpaca_code": code}
    said = f"Alpaca refused {operation} (HTTP {status}): {message}"
    if status == 429:
        return AlpacaRateLimitedError(
            f"Alpaca rate limit hit during {operation}",
            retry_after=_retry_after(exc),
            context=context,
            component=COMPONENT,
        )
    if status >= 500:
        return AlpacaUnavailableError(
            f"Alpaca failed {operation} (HTTP {status})", context=context, component=COMPONENT
        )
    # Bad keys: 401, or a bare 403 "forbidden" without Alpaca's error code.
    if status == 401 or (status == 403 and code is None):
        return AuthenticationError(
            f"Alpaca rejected the credentials for {operation} (HTTP {status}): {message}",
            context=context,
            component=COMPONENT,
        )
    if status == 403 and code == INSUFFICIENT_BUYING_POWER_CODE and "buying power" in message:
        return InsufficientBuyingPowerError(said, context=context, component=COMPONENT)
    if status == 422 and "client_order_id" in message and "unique" in message:
        return DuplicateClientOrderIdError(said, context=context, component=COMPONENT)
    if status == 404:
        if "order" in operation:
            return UnknownOrderError(said, context=context, component=COMPONENT)
        if "quote" in operation:
            return DataError(said, context=context, component=COMPONENT)
        return OrderRejectedError(said, context=context, component=COMPONENT)
    if "order" in operation:
        return OrderRejectedError(said, context=context, component=COMPONENT)
    return TradingError(said, context=context, component=COMPONENT)


def _host_of(exc: Exception) -> str | None:
    """scheme://host:port of the failed request (never its headers, where the keys travel)."""
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None)
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)  # hostname/port only: a user:password@ in the URL stays out
    if not parts.hostname:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def _code_and_message(body: str) -> tuple[int | None, str]:
    """Alpaca's `{"code": …, "message": …}`; anything else is kept as (short) text."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None, body.strip()[:300] or "no message"
    if not isinstance(parsed, dict):
        return None, body.strip()[:300]
    code = parsed.get("code")
    return (code if isinstance(code, int) else None), str(parsed.get("message", "no message"))


def _retry_after(exc: APIError) -> float | None:
    response = exc.response
    if response is None:
        return None
    return retry_after_seconds(response.headers)


def retry_after_seconds(headers: Any, *, now: float | None = None) -> float | None:
    """Seconds until Alpaca's `X-RateLimit-Reset` (epoch seconds), or a proxy's `Retry-After`;
    None when neither says. Callers cap the wait."""
    reset = headers.get("X-RateLimit-Reset")
    if reset is not None:
        try:
            return max(0.0, float(reset) - (time.time() if now is None else now))
        except ValueError:
            pass
    value = headers.get("Retry-After")
    if value is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            return None
    return None
