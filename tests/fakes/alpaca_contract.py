"""Alpaca's own OpenAPI documents as an executable contract for requests *and* responses.

The test server checks every request it receives against ../shared/alpaca-openapi (answering
422 as Alpaca does for a body it cannot take) and every answer it gives (recording violations,
which the fixtures turn into a failed test). The contract tests use the same checks on the
requests the adapter sends. One implementation, so the two directions cannot disagree.

Alpaca and its document disagree in a few places; alpaca-py follows Alpaca, so these are the
only exceptions allowed, each undone *before* validation (nothing else is relaxed):
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DOCUMENTS = Path(__file__).resolve().parents[3] / "shared" / "alpaca-openapi"
TRADING_HOST = "https://paper-api.alpaca.markets"
DATA_HOST = "https://data.alpaca.markets"
DATA_PATHS = ("/v2/stocks/",)


@dataclass(frozen=True)
class KnownException:
    where: str
    what: str
    why: str


KNOWN_EXCEPTIONS = (
    KnownException(
        "POST /v2/orders, PATCH /v2/orders/{order_id}",
        "qty, notional, limit_price, stop_price, trail_price, trail_percent may be JSON numbers",
        "The document reuses the Order *response* schema (decimal strings) as the request body; "
        "alpaca-py sends floats and Alpaca accepts them. Numbers are turned into their decimal "
        "strings before validation, so a non-number still fails.",
    ),
    KnownException(
        "POST /v2/orders",
        "only one of qty / notional is sent",
        "The document lists both as required (nullable); alpaca-py omits the unused one and "
        "Alpaca requires exactly one. The absent one is validated as null; the server itself "
        "then refuses none-or-both with Alpaca's 422.",
    ),
    KnownException(
        "GET /v2/calendar",
        "start / end are dates (YYYY-MM-DD)",
        "The document types them date-time; alpaca-py sends dates and Alpaca's own examples use "
        "dates. A date is validated as its midnight UTC date-time.",
    ),
    KnownException(
        "GET /v2/assets/{symbol}, GET /v2/orders:by_client_order_id",
        "paths absent from the document",
        "Alpaca serves them (alpaca-py's get_asset / get_order_by_client_id); requests are "
        "checked by hand (client_order_id is required) and answers against the `Assets` and "
        "`Order` component schemas.",
    ),
)

__doc__ = (__doc__ or "") + "".join(f"\n- {e.where}: {e.what}. {e.why}" for e in KNOWN_EXCEPTIONS)

_DECIMAL_FIELDS = ("qty", "notional", "limit_price", "stop_price", "trail_price", "trail_percent")
_UNDOCUMENTED = {
    "/v2/orders:by_client_order_id": "Order",
    "/v2/assets/": "Assets",
}


class AlpacaContract:
    """Validation of one request or response; returns problems (empty = conforms)."""

    def __init__(self, directory: Path = DOCUMENTS) -> None:
        self.directory = directory
        self._trading = _openapi(directory / "trading-api.yaml")
        self._data = _openapi(directory / "market-data-api.yaml")

    @classmethod
    def locate(cls, directory: Path | None = None) -> AlpacaContract | None:
        """The contract from `directory` (default ../shared/alpaca-openapi), None if absent."""
        where = directory or DOCUMENTS
        if not (where / "trading-api.yaml").is_file():
            return None
        return cls(where)

    # ------------------------------------------------------------------ requests

    def request_problems(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> list[str]:
        method = method.lower()
        undocumented = _undocumented(path)
        if undocumented is not None:
            if path == "/v2/orders:by_client_order_id" and not query.get("client_order_id"):
                return ["client_order_id is required"]
            return []
        spec, host = self._spec_for(path)
        args = dict(query)
        data = body or None
        if method in {"post", "patch"} and path.startswith("/v2/orders"):
            parsed = _json(body)
            if not isinstance(parsed, dict):
                return ["the request body is not a JSON object"]
            data = json.dumps(_as_documented(parsed, creating=method == "post")).encode()
        if path == "/v2/calendar":
            for key in ("start", "end"):
                if len(args.get(key, "")) == 10:
                    args[key] = f"{args[key]}T00:00:00Z"
        request = MockRequest(host, method, path, args=args, headers=dict(headers), data=data)
        try:
            spec.validate_request(request)
        except PathNotFound:
            return [f"{method.upper()} {path} is not in Alpaca's API document"]
        except Exception as exc:
            return [_describe(exc)]
        return []

    # ----------------------------------------------------------------- responses

    def response_problems(
        self, method: str, path: str, query: Mapping[str, str], status: int, body: bytes
    ) -> list[str]:
        method = method.lower()
        undocumented = _undocumented(path)
        if undocumented is not None:
            if status != 200:
                return []
            return self.schema_problems(undocumented, _json(body))
        spec, host = self._spec_for(path)
        if not self._documents_status(path, method, status):
            return []  # errors the document does not describe: Alpaca's {"code", "message"}
        request = MockRequest(host, method, path, args=dict(query))
        response = MockResponse(body, status_code=status, content_type="application/json")
        try:
            spec.validate_response(request, response)
        except Exception as exc:
            return [_describe(exc)]
        return []

    def schema_problems(self, name: str, value: Any) -> list[str]:
        """`value` against the trading document's component schema `name` (e.g. "Order")."""
        validator = _component(self.directory / "trading-api.yaml", name)
        return [e.message for e in validator.iter_errors(value)]

    def _spec_for(self, path: str) -> tuple[OpenAPI, str]:
        if path.startswith(DATA_PATHS):
            return self._data, DATA_HOST
        return self._trading, TRADING_HOST

    def _documents_status(self, path: str, method: str, status: int) -> bool:
        document = _document(
            self.directory
            / ("market-data-api.yaml" if path.startswith(DATA_PATHS) else "trading-api.yaml")
        )
        for template, item in document["paths"].items():
            if _matches(template, path) and method in item:
                responses = item[method].get("responses", {})
                return str(status) in responses and (
                    "content" in responses[str(status)] or status == 204
                )
        return False


def _as_documented(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Undo the known exceptions: decimal numbers as strings, the unused of qty/notional null."""
    shaped = dict(body)
    for key in _DECIMAL_FIELDS:
        value = shaped.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            shaped[key] = repr(value) if isinstance(value, float) else str(value)
    if creating:
        shaped.setdefault("qty", None)
        shaped.setdefault("notional", None)
    return shaped


def _undocumented(path: str) -> str | None:
    for prefix, schema in _UNDOCUMENTED.items():
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return schema
    return None


def _matches(template: str, path: str) -> bool:
    left, right = template.strip("/").split("/"), path.strip("/").split("/")
    return len(left) == len(right) and all(
        a == b or (a.startswith("{") and a.endswith("}")) for a, b in zip(left, right, strict=True)
    )


def _json(body: bytes | None) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


def _describe(exc: Exception) -> str:
    cause = exc.__cause__
    errors = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None)
    if errors:
        return f"{exc}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors
        )
    return f"{type(exc).__name__}: {exc}" + (f" ({cause})" if cause else "")


@cache
def _openapi(path: Path) -> OpenAPI:
    return OpenAPI.from_file_path(str(path))


@cache
def _document(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


@cache
def _component(path: Path, name: str) -> OAS30Validator:
    resource = Resource.from_contents(_document(path), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource("urn:alpaca", resource)
    return OAS30Validator({"$ref": f"urn:alpaca#/components/schemas/{name}"}, registry=registry)
