"""Alpaca's OpenAPI documents as a contract in both directions, so the double cannot drift.

Responses: every path the adapter uses is called over HTTP and its answer validated with
openapi-core against ../shared/alpaca-openapi (skipped when that folder is absent); paths the
documents do not list (`/v2/assets/{symbol}`, `/v2/orders:by_client_order_id`) and the trade
stream's order payloads against the documents' component schemas. Requests: every request the
adapter sends, captured on the client side, is validated against the same documents (with the
exceptions listed in tests/fakes/alpaca_contract.py). The server also checks both on every
call of every test; the fixtures fail a test whose traffic broke the contract.
"""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.fakes.alpaca_trading_server import AlpacaTestServer

PAPER = "https://paper-api.alpaca.markets"
DATA = "https://data.alpaca.markets"


@cache
def _openapi(path: Path) -> OpenAPI:
    return OpenAPI.from_file_path(str(path))


@cache
def _document(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _schema_validator(path: Path, name: str) -> OAS30Validator:
    document = _document(path)
    resource = Resource.from_contents(document, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource("urn:alpaca", resource)
    return OAS30Validator({"$ref": f"urn:alpaca#/components/schemas/{name}"}, registry=registry)


def _call(
    server: AlpacaTestServer,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> requests.Response:
    return requests.request(
        method,
        server.base_url + path,
        params=params,
        json=body,
        headers={"APCA-API-KEY-ID": server.api_key, "APCA-API-SECRET-KEY": server.secret_key},
        timeout=5,
    )


def _validate(
    spec: OpenAPI,
    host: str,
    method: str,
    path: str,
    response: requests.Response,
    *,
    params: dict[str, str] | None = None,
    view_args: dict[str, str] | None = None,
) -> None:
    request = MockRequest(host, method, path, args=params, view_args=view_args)
    mock = MockResponse(
        response.content, status_code=response.status_code, content_type="application/json"
    )
    spec.validate_response(request, mock)


@pytest.fixture
def trading_spec(alpaca_openapi_dir: Path) -> OpenAPI:
    return _openapi(alpaca_openapi_dir / "trading-api.yaml")


@pytest.fixture
def busy_server(make_server: Any) -> AlpacaTestServer:
    """An account with positions and orders in every state the adapter meets."""
    server: AlpacaTestServer = make_server(
        prices={"SPY": ["500", "501"], "QQQ": ["400", "399"], "TLT": ["90"]},
        positions={"SPY": ("10", "450"), "TLT": ("3.5", "95")},
        tick_seconds=None,
    )
    for body in (
        {
            "symbol": "QQQ",
            "qty": "2",
            "side": "buy",
            "type": "market",
            "time_in_force": "day",
            "client_order_id": "c-filled",
        },
        {
            "symbol": "SPY",
            "qty": "1",
            "side": "sell",
            "type": "limit",
            "limit_price": "900",
            "time_in_force": "day",
            "client_order_id": "c-open",
        },
        {
            "symbol": "TLT",
            "notional": "50",
            "side": "buy",
            "type": "market",
            "time_in_force": "day",
            "client_order_id": "c-notional",
        },
    ):
        assert _call(server, "POST", "/v2/orders", body=body).status_code == 200
    server.tick(2)
    return server


def test_account_positions_clock_calendar_conform(
    busy_server: AlpacaTestServer, trading_spec: OpenAPI
) -> None:
    for path, params in (
        ("/v2/account", None),
        ("/v2/positions", None),
        ("/v2/clock", None),
        ("/v2/calendar", {"start": "2026-11-20", "end": "2026-12-05"}),
    ):
        response = _call(busy_server, "GET", path, params=params)
        assert response.status_code == 200, response.text
        _validate(trading_spec, PAPER, "get", path, response, params=params)
    one = _call(busy_server, "GET", "/v2/positions/SPY")
    _validate(
        trading_spec,
        PAPER,
        "get",
        "/v2/positions/SPY",
        one,
        view_args={"symbol_or_asset_id": "SPY"},
    )


def test_calendar_knows_holidays_and_early_closes(busy_server: AlpacaTestServer) -> None:
    days = _call(
        busy_server, "GET", "/v2/calendar", params={"start": "2026-11-25", "end": "2026-11-30"}
    ).json()
    # Thanksgiving (Thu 26 Nov 2026) is closed; Friday 27 Nov closes at 13:00.
    assert [(d["date"], d["close"]) for d in days] == [
        ("2026-11-25", "16:00"),
        ("2026-11-27", "13:00"),
        ("2026-11-30", "16:00"),
    ]


def test_order_paths_conform(busy_server: AlpacaTestServer, trading_spec: OpenAPI) -> None:
    for status in ("open", "closed", "all"):
        params = {"status": status, "limit": "500", "direction": "asc"}
        listed = _call(busy_server, "GET", "/v2/orders", params=params)
        _validate(trading_spec, PAPER, "get", "/v2/orders", listed, params=params)
    orders = _call(busy_server, "GET", "/v2/orders", params={"status": "all"}).json()
    assert {o["client_order_id"]: o["status"] for o in orders} == {
        "c-filled": "filled",
        "c-open": "new",
        "c-notional": "filled",
    }
    open_id = next(o["id"] for o in orders if o["client_order_id"] == "c-open")
    path = f"/v2/orders/{open_id}"
    _validate(
        trading_spec,
        PAPER,
        "get",
        path,
        _call(busy_server, "GET", path),
        view_args={"order_id": open_id},
    )

    created = _call(
        busy_server,
        "POST",
        "/v2/orders",
        body={
            "symbol": "QQQ",
            "qty": 1,
            "side": "buy",
            "type": "limit",
            "limit_price": 1,
            "time_in_force": "gtc",
            "client_order_id": "c-new",
        },
    )
    _validate(trading_spec, PAPER, "post", "/v2/orders", created)
    new_id = created.json()["id"]
    replaced = _call(
        busy_server,
        "PATCH",
        f"/v2/orders/{new_id}",
        body={"limit_price": "2", "client_order_id": "c-new-2"},
    )
    _validate(
        trading_spec,
        PAPER,
        "patch",
        f"/v2/orders/{new_id}",
        replaced,
        view_args={"order_id": new_id},
    )
    assert replaced.json()["replaces"] == new_id
    newest = replaced.json()["id"]
    canceled = _call(busy_server, "DELETE", f"/v2/orders/{newest}")
    assert canceled.status_code == 204
    _validate(
        trading_spec,
        PAPER,
        "delete",
        f"/v2/orders/{newest}",
        canceled,
        view_args={"order_id": newest},
    )
    assert busy_server.order(newest).status == "pending_cancel"  # Alpaca cancels asynchronously
    busy_server.advance_clock(1)
    assert busy_server.order(newest).status == "canceled"
    again = _call(busy_server, "DELETE", f"/v2/orders/{newest}")
    assert again.status_code == 422  # the documented answer for a non-cancelable order


def test_undocumented_paths_match_component_schemas(
    busy_server: AlpacaTestServer, alpaca_openapi_dir: Path
) -> None:
    spec = alpaca_openapi_dir / "trading-api.yaml"
    asset = _call(busy_server, "GET", "/v2/assets/SPY")
    _schema_validator(spec, "Assets").validate(asset.json())
    by_client = _call(
        busy_server, "GET", "/v2/orders:by_client_order_id", params={"client_order_id": "c-open"}
    )
    assert by_client.status_code == 200
    _schema_validator(spec, "Order").validate(by_client.json())
    order_validator = _schema_validator(spec, "Order")
    assert busy_server.events, "orders must emit trade updates"
    for event in busy_server.events:
        order_validator.validate(event["data"]["order"])
    status_enum = set(_document(spec)["components"]["schemas"]["OrderStatus"]["enum"])
    assert {e["data"]["order"]["status"] for e in busy_server.events} <= status_enum


def test_latest_quotes_conform(busy_server: AlpacaTestServer, alpaca_openapi_dir: Path) -> None:
    spec = _openapi(alpaca_openapi_dir / "market-data-api.yaml")
    params = {"symbols": "SPY,QQQ", "feed": "iex"}
    many = _call(busy_server, "GET", "/v2/stocks/quotes/latest", params=params)
    _validate(spec, DATA, "get", "/v2/stocks/quotes/latest", many, params=params)
    assert set(many.json()["quotes"]) == {"SPY", "QQQ"}
    one = _call(busy_server, "GET", "/v2/stocks/SPY/quotes/latest", params={"feed": "iex"})
    _validate(
        spec,
        DATA,
        "get",
        "/v2/stocks/SPY/quotes/latest",
        one,
        params={"feed": "iex"},
        view_args={"symbol": "SPY"},
    )
    quote = one.json()["quote"]
    # price path after two ticks: 501 ± half spread 0.01
    assert (quote["bp"], quote["ap"]) == (500.99, 501.01)


def test_errors_use_alpacas_code_and_message_body(busy_server: AlpacaTestServer) -> None:
    """Alpaca's error body is `{"code": int, "message": str}`; alpaca-py parses exactly that."""
    answers = [
        _call(
            busy_server,
            "POST",
            "/v2/orders",
            body={
                "symbol": "QQQ",
                "qty": "1000",
                "side": "buy",
                "type": "market",
                "time_in_force": "day",
            },
        ),
        _call(
            busy_server,
            "POST",
            "/v2/orders",
            body={
                "symbol": "QQQ",
                "qty": "1",
                "side": "buy",
                "type": "market",
                "time_in_force": "day",
                "client_order_id": "c-filled",
            },
        ),
        _call(busy_server, "GET", "/v2/assets/NOPE"),
        requests.get(busy_server.base_url + "/v2/account", timeout=5),
    ]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (403, 40310000),
        (422, 40010001),
        (404, 40410000),
        (401, 40110000),
    ]
    assert answers[0].json()["message"] == "insufficient buying power"
    assert all(isinstance(json.loads(a.text)["message"], str) for a in answers)


def test_order_log_records_every_create_request(busy_server: AlpacaTestServer) -> None:
    before = len(busy_server.order_log)
    start = time.monotonic()
    _call(
        busy_server,
        "POST",
        "/v2/orders",
        body={
            "symbol": "QQQ",
            "qty": "0.5",
            "side": "buy",
            "type": "market",
            "time_in_force": "gtc",
        },
    )
    assert time.monotonic() - start < 5
    entry = busy_server.order_log[before]
    assert entry["status"] == 422
    assert entry["error"] == "fractional orders must be DAY orders"


# ------------------------------------------------------------------ both directions


class _Recorder:
    """Every HTTP request the adapter's sessions send, as the server would receive it."""

    def __init__(self) -> None:
        self.sent: list[requests.PreparedRequest] = []


def test_every_request_the_adapter_sends_conforms_to_the_document(
    make_server: Any,
    make_broker: Any,
    monkeypatch: pytest.MonkeyPatch,
    alpaca_openapi_dir: Path,
) -> None:
    """Drive every adapter method; validate each request on the client side, independently of
    the server (which validates them too and would have answered 422)."""
    import datetime as dt
    from decimal import Decimal

    from alchemiser.domain.trading import OrderRequest, OrderType, Side, Symbol
    from alchemiser.infrastructure.alpaca.transport import LimitedSession
    from tests.fakes.alpaca_contract import AlpacaContract

    recorder = _Recorder()
    original = LimitedSession.send

    def send(self: LimitedSession, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        recorder.sent.append(request)
        return original(self, request, **kwargs)

    monkeypatch.setattr(LimitedSession, "send", send)
    server: AlpacaTestServer = make_server(
        prices={"SPY": ["500"], "QQQ": ["400"], "TLT": ["90"]},
        positions={"SPY": ("10", "450")},
    )
    broker = make_broker(server)
    spy = Symbol("SPY")
    broker.account()
    broker.asset(spy)
    broker.quotes([spy, Symbol("QQQ")])
    broker.clock()
    broker.sessions(dt.date(2026, 11, 24), dt.date(2026, 11, 30))
    orders = [
        broker.submit_order(OrderRequest("k-1", spy, Side.SELL, Decimal("1.5"))),
        broker.submit_order(
            OrderRequest("k-2", Symbol("QQQ"), Side.BUY, Decimal(2), OrderType.LIMIT, Decimal(1))
        ),
        broker.submit_order(OrderRequest("k-3", Symbol("TLT"), Side.BUY, Decimal("0.25"))),
    ]
    broker.get_order(orders[0].id)
    broker.get_order_by_client_id("k-2")
    broker.get_order_by_client_id("never-sent")
    broker.open_orders()
    new = broker.replace_order(orders[1].id, client_order_id="k-2b", limit_price=Decimal(2))
    broker.cancel_order(new.id)
    broker.wait_for_update([o.id for o in orders] + [new.id], 3)  # > 2 ids: the list call
    contract = AlpacaContract(alpaca_openapi_dir)
    seen = set()
    for sent in recorder.sent:
        url = urlsplit(sent.url or "")
        query = dict(parse_qsl(url.query))
        body = sent.body if isinstance(sent.body, bytes) else (sent.body or "").encode() or None
        problems = contract.request_problems(
            sent.method or "", url.path, query, dict(sent.headers), body
        )
        assert problems == [], (sent.method, sent.url, problems)
        seen.add((sent.method, _template(url.path)))
    assert seen >= {
        ("GET", "/v2/account"),
        ("GET", "/v2/positions"),
        ("GET", "/v2/assets/{symbol}"),
        ("GET", "/v2/stocks/quotes/latest"),
        ("GET", "/v2/clock"),
        ("GET", "/v2/calendar"),
        ("POST", "/v2/orders"),
        ("GET", "/v2/orders/{order_id}"),
        ("GET", "/v2/orders:by_client_order_id"),
        ("GET", "/v2/orders"),
        ("PATCH", "/v2/orders/{order_id}"),
        ("DELETE", "/v2/orders/{order_id}"),
    }
    assert server.request_violations == []
    assert server.response_violations == []  # and every answer the adapter read conformed


def _template(path: str) -> str:
    if path.startswith("/v2/orders/"):
        return "/v2/orders/{order_id}"
    if path.startswith("/v2/assets/"):
        return "/v2/assets/{symbol}"
    return path


def test_the_response_check_catches_an_answer_off_the_document(
    busy_server: AlpacaTestServer,
) -> None:
    """The check the fixtures rely on can fail: an account status Alpaca never sends."""
    busy_server.account_status = "SLEEPING"
    assert _call(busy_server, "GET", "/v2/account").status_code == 200
    assert any("SLEEPING" in v for v in busy_server.response_violations)
    busy_server.response_violations.clear()
