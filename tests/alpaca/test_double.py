"""The Alpaca double is as hard as Alpaca: margin, holds, asynchronous cancels with fills during
them, every documented status, DAY orders expiring at the close of its clock, X-RateLimit
headers, requests refused when Alpaca's document refuses them, and state that outlives a
SIGKILLed client. Expected figures are worked by hand in the comments."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.alpaca.conftest import BrokerFactory, ServerFactory
from tests.fakes.alpaca_server_clock import NEW_YORK
from tests.fakes.alpaca_trading_server import AlpacaTestServer

pytestmark = pytest.mark.timeout(60)


def _call(
    server: AlpacaTestServer, method: str, path: str, body: dict[str, Any] | None = None
) -> requests.Response:
    return requests.request(
        method,
        server.base_url + path,
        json=body,
        headers={"APCA-API-KEY-ID": server.api_key, "APCA-API-SECRET-KEY": server.secret_key},
        timeout=5,
    )


def _order(
    cid: str, qty: str = "10", side: str = "buy", limit: str | None = "400", tif: str = "day"
) -> dict[str, Any]:
    body = {
        "symbol": "SPY",
        "qty": qty,
        "side": side,
        "type": "limit" if limit else "market",
        "time_in_force": tif,
        "client_order_id": cid,
    }
    if limit:
        body["limit_price"] = limit
    return body


def _account(server: AlpacaTestServer) -> dict[str, Decimal]:
    answer = _call(server, "GET", "/v2/account").json()
    keys = ("cash", "buying_power", "regt_buying_power", "non_marginable_buying_power")
    return {k: Decimal(answer[k]) for k in keys} | {"multiplier": Decimal(answer["multiplier"])}


# ----------------------------------------------------------------------------- accounts


@pytest.mark.parametrize(
    ("account_type", "multiplier", "expected"),
    [
        # cash 10,000; a resting buy limit 10 @ 400 holds 4,000 → 6,000 everywhere.
        ("cash", None, {"buying_power": "6000", "regt": "6000", "non_marginable": "6000"}),
        # equity 10,000 + 10 × 500 = 15,000; initial margin 50 % × 5,000 = 2,500;
        # excess 12,500 → Reg T 2 × 12,500 − 4,000 = 21,000; non-marginable 12,500 − 4,000.
        ("margin", 2, {"buying_power": "21000", "regt": "21000", "non_marginable": "8500"}),
        # day-trading: (last equity 15,000 − maintenance 30 % × 5,000) × 4 − 4,000 = 50,000.
        ("margin", 4, {"buying_power": "50000", "regt": "21000", "non_marginable": "8500"}),
    ],
)
def test_buying_power_of_cash_and_margin_accounts_with_holds(
    make_server: ServerFactory, account_type: str, multiplier: int | None, expected: dict[str, str]
) -> None:
    server = make_server(
        account_type=account_type,
        multiplier=multiplier,
        cash="10000",
        prices={"SPY": ["500"]},
        positions={"SPY": ("10", "450")},
        half_spread="0",
        tick_seconds=None,
    )
    assert _call(server, "POST", "/v2/orders", _order("hold")).status_code == 200
    money = _account(server)
    assert money["cash"] == Decimal("10000")
    assert money["buying_power"] == Decimal(expected["buying_power"])
    assert money["regt_buying_power"] == Decimal(expected["regt"])
    assert money["non_marginable_buying_power"] == Decimal(expected["non_marginable"])
    assert money["multiplier"] == (multiplier or 1)


def test_margin_buys_drive_cash_negative_and_the_adapter_never_counts_margin_as_cash(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(
        account_type="margin", cash="10000", prices={"SPY": ["500"]}, half_spread="0"
    )
    # 30 @ 500 = 15,000 > cash 10,000, within Reg T buying power 20,000 (collar: 15,450).
    created = _call(server, "POST", "/v2/orders", _order("borrow", qty="30", limit=None))
    assert created.status_code == 200, created.text
    deadline = time.monotonic() + 5
    while server.order("borrow").status != "filled" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.cash == Decimal("-5000")
    account = make_broker(server).account()
    assert account.cash == Decimal("-5000")
    assert account.buying_power == 0  # margin never makes cash appear (SPEC §13)
    # the same order is refused by a cash account: 15,000 × 1.03 > 10,000
    cash_only = make_server(cash="10000", prices={"SPY": ["500"]}, half_spread="0")
    refused = _call(cash_only, "POST", "/v2/orders", _order("borrow", qty="30", limit=None))
    assert (refused.status_code, refused.json()["code"]) == (403, 40310000)


# ------------------------------------------------------------------------------ cancels


def test_cancel_is_asynchronous_by_default(make_server: ServerFactory) -> None:
    server = make_server(clock_speed=0, tick_seconds=None)
    order_id = _call(server, "POST", "/v2/orders", _order("c-1")).json()["id"]
    assert _call(server, "DELETE", f"/v2/orders/{order_id}").status_code == 204
    assert _call(server, "GET", f"/v2/orders/{order_id}").json()["status"] == "pending_cancel"
    server.advance_clock(server.cancel_delay / 2)
    assert _call(server, "GET", f"/v2/orders/{order_id}").json()["status"] == "pending_cancel"
    server.advance_clock(server.cancel_delay)
    assert _call(server, "GET", f"/v2/orders/{order_id}").json()["status"] == "canceled"
    assert [e["data"]["event"] for e in server.events] == ["new", "pending_cancel", "canceled"]


@pytest.mark.parametrize(
    ("mode", "filled", "final"), [("full", "10", "filled"), ("partial", "5", "canceled")]
)
def test_fill_lands_during_the_pending_cancel(
    make_server: ServerFactory, mode: str, filled: str, final: str
) -> None:
    server = make_server(
        clock_speed=0, tick_seconds=None, cancel_delay=4.0, fill_during_cancel=mode
    )
    order_id = _call(server, "POST", "/v2/orders", _order("c-2")).json()["id"]
    _call(server, "DELETE", f"/v2/orders/{order_id}")
    server.advance_clock(1.0)  # before half of the 4 s delay: nothing yet
    assert server.fills == []
    server.advance_clock(1.5)  # past half: the fill landed, the cancel is still pending
    seen = _call(server, "GET", f"/v2/orders/{order_id}").json()
    assert (seen["filled_qty"], seen["status"]) == (
        filled,
        "filled" if mode == "full" else "pending_cancel",
    )
    server.advance_clock(2.0)
    seen = _call(server, "GET", f"/v2/orders/{order_id}").json()
    assert (seen["filled_qty"], seen["status"]) == (filled, final)
    assert sum(f.qty for f in server.fills) == Decimal(filled)
    assert server.fills[0].price == Decimal("400")  # at its limit: the ask 500.01 is above it


def test_pending_replace_refuses_a_cancel(make_server: ServerFactory) -> None:
    server = make_server(tick_seconds=None)
    order_id = _call(server, "POST", "/v2/orders", _order("c-3")).json()["id"]
    server.script("c-3", "pending_replace")
    assert _call(server, "DELETE", f"/v2/orders/{order_id}").status_code == 422


# ------------------------------------------------------------- every documented status


def _documented_statuses(alpaca_openapi_dir: Path) -> list[str]:
    document = yaml.safe_load((alpaca_openapi_dir / "trading-api.yaml").read_text())
    statuses: list[str] = document["components"]["schemas"]["OrderStatus"]["enum"]
    return statuses


def test_every_documented_status_is_reachable_and_read_by_the_adapter(
    make_server: ServerFactory, make_broker: BrokerFactory, alpaca_openapi_dir: Path
) -> None:
    server = make_server(tick_seconds=None, positions={"SPY": ("100", "450")})
    broker = make_broker(server)
    statuses = _documented_statuses(alpaca_openapi_dir)
    assert len(statuses) >= 16
    for i, status in enumerate(statuses):
        created = _call(server, "POST", "/v2/orders", _order(f"s-{i}", qty="2", side="sell"))
        order_id = created.json()["id"]
        server.script(order_id, status)
        seen = _call(server, "GET", f"/v2/orders/{order_id}").json()
        if status == "pending_cancel":
            assert seen["status"] == "pending_cancel"  # then canceled after the delay
        else:
            assert seen["status"] == status
        broker.get_order(order_id)  # every status maps to a domain status
    assert server.response_violations == []  # every answer and event conforms


def test_held_orders_stay_put_until_released(make_server: ServerFactory) -> None:
    server = make_server(tick_seconds=None, initial_status="pending_new")
    server.hold_new_orders = True
    order_id = _call(server, "POST", "/v2/orders", _order("h-1", limit=None)).json()["id"]
    server.tick(3)
    assert server.order(order_id).status == "pending_new"
    assert server.fills == []
    server.script(order_id, "new")
    server.tick()
    assert server.order(order_id).status == "filled"


# -------------------------------------------------------------------------------- clock


def test_day_orders_expire_at_the_close_of_the_advancing_clock(make_server: ServerFactory) -> None:
    server = make_server(clock_speed=0, tick_seconds=None)
    day = _call(server, "POST", "/v2/orders", _order("d-1")).json()["id"]
    gtc = _call(server, "POST", "/v2/orders", _order("g-1", tif="gtc")).json()["id"]
    clock = _call(server, "GET", "/v2/clock").json()
    assert clock["is_open"] is True
    server.set_clock(datetime(2026, 11, 24, 16, 0, 1, tzinfo=NEW_YORK))
    assert server.order(day).status == "expired"
    assert server.order(gtc).status == "accepted"  # GTC lives on (never routed: no tick)
    clock = _call(server, "GET", "/v2/clock").json()
    assert clock["is_open"] is False
    assert clock["next_open"].startswith("2026-11-25T09:30:00")
    assert clock["timestamp"].startswith("2026-11-24T16:00:01")


def test_the_clock_advances_on_its_own(make_server: ServerFactory) -> None:
    server = make_server(clock_speed=60.0)  # a minute per second
    first = datetime.fromisoformat(_call(server, "GET", "/v2/clock").json()["timestamp"])
    time.sleep(0.5)
    second = datetime.fromisoformat(_call(server, "GET", "/v2/clock").json()["timestamp"])
    assert 20 <= (second - first).total_seconds() <= 120


# ---------------------------------------------------------------------------- rate limit


def test_rate_limit_headers_and_429_as_alpaca_sends_them(make_server: ServerFactory) -> None:
    server = make_server(rate_limit=(3, 30.0))
    answers = [_call(server, "GET", "/v2/clock") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"3"}
    reset = int(answers[-1].headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 31
    assert "Retry-After" not in answers[-1].headers
    assert answers[-1].json() == {"code": 42910000, "message": "rate limit exceeded"}


# ----------------------------------------------------------------- the document decides


def test_requests_the_document_refuses_get_alpacas_422(make_server: ServerFactory) -> None:
    server = make_server(tick_seconds=None)
    server.expect_bad_requests = True
    numbers = _order("n-1", qty="1") | {"qty": 1, "limit_price": 400.5}  # alpaca-py's floats
    assert _call(server, "POST", "/v2/orders", numbers).status_code == 200
    refused = [
        _order("n-2") | {"side": "short"},
        _order("n-3") | {"type": "market_on_close"},
        _order("x" * 49),
        _order("n-4") | {"qty": [1]},
    ]
    for body in refused:
        answer = _call(server, "POST", "/v2/orders", body)
        assert (answer.status_code, answer.json()["code"]) == (422, 40010001), body
    assert len(server.request_violations) == len(refused)
    assert [o.client_order_id for o in server.orders()] == ["n-1"]
    assert _call(server, "GET", "/v2/orders", None).status_code == 200
    bad_query = requests.get(
        server.base_url + "/v2/orders",
        params={"status": "everything"},
        headers={"APCA-API-KEY-ID": server.api_key, "APCA-API-SECRET-KEY": server.secret_key},
        timeout=5,
    )
    assert bad_query.status_code == 422


# ------------------------------------------------------------------- outlives its clients

_CLIENT = """
import json, sys, time, urllib.request
base, key, secret = sys.argv[1:4]
request = urllib.request.Request(
    base + "/v2/orders", method="POST",
    data=json.dumps({"symbol": "SPY", "qty": "3", "side": "buy", "type": "limit",
                     "limit_price": "400", "time_in_force": "day",
                     "client_order_id": "killed-1"}).encode(),
    headers={"APCA-API-KEY-ID": key, "APCA-API-SECRET-KEY": secret,
             "Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=5).read()
print("placed", flush=True)
time.sleep(60)
"""


def test_state_survives_a_sigkilled_client(make_server: ServerFactory) -> None:
    server = make_server(prices={"SPY": ["500", "500", "390"]}, tick_seconds=None)
    client = subprocess.Popen(
        [sys.executable, "-c", _CLIENT, server.base_url, server.api_key, server.secret_key],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    try:
        assert client.stdout is not None
        assert client.stdout.readline().strip() == "placed"
        os.kill(client.pid, signal.SIGKILL)
        assert client.wait(10) == -signal.SIGKILL
    finally:
        if client.poll() is None:
            client.kill()
    server.tick(2)  # the order the dead client left keeps working and fills at 390 < 400
    assert server.order("killed-1").status == "filled"
    assert [(f.client_order_id, f.qty) for f in server.fills] == [("killed-1", Decimal(3))]
    listed = json.loads(_call(server, "GET", "/v2/orders?status=all").text)
    assert [o["client_order_id"] for o in listed] == ["killed-1"]
