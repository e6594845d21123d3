"""Every Alpaca failure lands in the right error class, with Alpaca's message and no secret."""

from __future__ import annotations

import json

import pytest
import requests
from alpaca.common.exceptions import APIError

from alchemiser.domain.errors import (
    AlchemiserError,
    AuthenticationError,
    DataError,
    InsufficientBuyingPowerError,
    OrderRejectedError,
)
from alchemiser.domain.redaction import Redactor
from alchemiser.domain.trading import DuplicateClientOrderIdError, UnknownOrderError
from alchemiser.infrastructure.alpaca.errors import (
    AlpacaRateLimitedError,
    AlpacaUnavailableError,
    translate,
)

SECRET = "super-secret-value"
redact = Redactor([SECRET])


def _api_error(status: int, body: str, headers: dict[str, str] | None = None) -> APIError:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = body.encode()
    http_error = requests.HTTPError(response=response)
    return APIError(body, http_error)


def _alpaca(status: int, code: int | None, message: str) -> APIError:
    body = {"message": message} if code is None else {"code": code, "message": message}
    return _api_error(status, json.dumps(body))


@pytest.mark.parametrize(
    ("error", "operation", "expected"),
    [
        (_alpaca(401, 40110000, "request is not authorized"), "read account", AuthenticationError),
        (_alpaca(403, None, "forbidden."), "submit order", AuthenticationError),
        (
            _alpaca(403, 40310000, "insufficient buying power"),
            "submit order",
            InsufficientBuyingPowerError,
        ),
        (
            _alpaca(403, 40310000, "insufficient qty available for order"),
            "submit order",
            OrderRejectedError,
        ),
        (
            _alpaca(403, 40310100, "trade denied due to pattern day trading protection"),
            "submit order",
            OrderRejectedError,
        ),
        (
            _alpaca(422, 40010001, "client_order_id must be unique"),
            "submit order",
            DuplicateClientOrderIdError,
        ),
        (
            _alpaca(422, 42210000, "fractional orders must be DAY orders"),
            "submit order",
            OrderRejectedError,
        ),
        (_alpaca(404, 40410000, "order not found"), "get order", UnknownOrderError),
        (_alpaca(404, 40410000, "asset not found for XYZ"), "read asset XYZ", OrderRejectedError),
        (_alpaca(404, 40410000, "no quote"), "read latest quotes", DataError),
        (_api_error(500, "internal server error"), "read account", AlpacaUnavailableError),
        (requests.ReadTimeout("read timed out"), "submit order", AlpacaUnavailableError),
        (requests.ConnectionError("reset by peer"), "submit order", AlpacaUnavailableError),
    ],
)
def test_translation(error: Exception, operation: str, expected: type[AlchemiserError]) -> None:
    translated = translate(error, operation=operation, redact=redact)
    assert type(translated) is expected
    if isinstance(error, APIError) and error.status_code and error.status_code < 500:
        assert json.loads(str(error))["message"] in translated.message


def test_duplicate_is_also_an_order_rejection_for_callers_that_do_not_adopt() -> None:
    translated = translate(
        _alpaca(422, 40010001, "client_order_id must be unique"),
        operation="submit order",
        redact=redact,
    )
    assert isinstance(translated, OrderRejectedError)


def test_rate_limit_carries_retry_after() -> None:
    translated = translate(
        _api_error(
            429, '{"code": 42910000, "message": "rate limit exceeded"}', {"Retry-After": "3"}
        ),
        operation="read account",
        redact=redact,
    )
    assert isinstance(translated, AlpacaRateLimitedError)
    assert translated.retry_after == 3.0


def test_secrets_in_broker_text_are_masked() -> None:
    translated = translate(
        _alpaca(422, 42210000, f"bad field {SECRET}"), operation="submit order", redact=redact
    )
    assert SECRET not in translated.message
    assert "***" in translated.message


def test_connection_errors_name_the_host_but_never_credentials_in_the_url() -> None:
    request = requests.Request("GET", "http://user:pw-secret@127.0.0.1:9/v2/account").prepare()
    translated = translate(
        requests.ConnectionError("refused", request=request),
        operation="read account",
        redact=redact,
    )
    assert "http://127.0.0.1:9" in translated.message
    assert "pw-secret" not in translated.message + repr(translated.context)
