"""`alchemiser trade --broker alpaca --yes` against the test server: real alpaca-py over HTTP
and WebSocket, a stale account brought to target with sells first, and the ledger equal to the
server's own record of orders and fills."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from alchemiser.interface.cli.main import main
from tests.alpaca.conftest import ServerFactory
from tests.fakes.alpaca_trading_server import AlpacaTestServer, Fault

CORE = (
    '(defsymphony "Core" {:rebalance-frequency :daily}'
    ' (weight-specified 0.6 (asset "SPY") 0.4 (asset "TLT")))'
)
GROWTH = '(defsymphony "Growth" {:rebalance-frequency :daily} (asset "QQQ"))'


@pytest.fixture
def account(
    make_server: ServerFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AlpacaTestServer:
    """Cash 10,000 plus a stale XLE holding and too little QQQ; target SPY .3, TLT .2, QQQ .5."""
    server = make_server(
        cash="10000",
        prices={"SPY": ["500"], "TLT": ["90"], "QQQ": ["400"], "XLE": ["85"]},
        positions={"XLE": ("20", "80"), "QQQ": ("10", "350")},
    )
    (tmp_path / "core.clj").write_text(CORE)
    (tmp_path / "growth.clj").write_text(GROWTH)
    portfolio = tmp_path / "portfolio.toml"
    portfolio.write_text(
        '[sleeves.core]\nsymphony = "core.clj"\nallocation = 0.5\n\n'
        '[sleeves.growth]\nsymphony = "growth.clj"\nallocation = 0.5\n'
    )
    environment = {
        **server.client_environment(),
        "ALCHEMISER_PORTFOLIO_FILE": str(portfolio),
        "ALCHEMISER_MARKET_DATA__SOURCE": "synthetic",
        "ALCHEMISER_MARKET_DATA__HISTORY_YEARS": "2",
        "ALCHEMISER_EXECUTION__LIMIT_STEPS": "2",
        "ALCHEMISER_EXECUTION__STEP_WAIT_SECONDS": "0.2",
        "ALCHEMISER_EXECUTION__SETTLE_TIMEOUT_SECONDS": "3",
        "ALCHEMISER_ALPACA__POLL_INTERVAL_SECONDS": "0.1",
        "ALCHEMISER_ALPACA__REQUEST_TIMEOUT_SECONDS": "1",
        "ALCHEMISER_ALPACA__MAX_RETRY_WAIT_SECONDS": "0.3",
        "ALCHEMISER_NOTIFICATIONS__WRITE_REPORT_FILES": "false",
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return server


def _quick_ladder(monkeypatch: pytest.MonkeyPatch) -> None:
    """One limit at the far touch, then market: fewer orders and waits for the fault runs."""
    monkeypatch.setenv("ALCHEMISER_EXECUTION__LIMIT_STEPS", "1")
    monkeypatch.setenv("ALCHEMISER_EXECUTION__AGGRESSIVENESS", "1")


def _keep_dropping(server: AlpacaTestServer, stop: threading.Event) -> None:
    """Cut every stream connection every 0.2 s: updates are lost, REST polling must carry on."""
    while not stop.wait(0.2):
        server.drop_streams(abrupt=True)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def _trade(account: AlpacaTestServer, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, Any]:
    """Run `trade`, then check what must hold under every fault: one order per client order id,
    the ledger's orders exactly the server's, and per order the ledger's fills adding up to the
    server's executions (REST snapshots may merge several executions into one fill delta)."""
    code, result = _run(["trade", "--broker", "alpaca", "--yes", "--json"], capsys)
    ids = account.accepted_client_order_ids()
    assert len(ids) == len(set(ids))
    _, runs = _run(["history", "--json"], capsys)
    _, detail = _run(["history", "--run", runs["runs"][0]["run_id"], "--json"], capsys)
    ledger_orders = {
        o["client_order_id"]: (o["broker_order_id"], o["status"], Decimal(o["filled_qty"]))
        for o in detail["orders"]
    }
    server_orders = {o.client_order_id: (o.id, o.status, o.filled_qty) for o in account.orders()}
    assert ledger_orders == server_orders
    ledger_fills = _per_order(
        (f["client_order_id"], Decimal(f["qty"]), Decimal(f["price"])) for f in detail["fills"]
    )
    server_fills = _per_order((f.client_order_id, f.qty, f.price) for f in account.fills)
    assert set(ledger_fills) == set(server_fills)
    for cid, (qty, value) in server_fills.items():
        assert ledger_fills[cid][0] == qty, cid
        assert abs(ledger_fills[cid][1] - value) < Decimal("0.01"), cid
    return code, result, detail


def _per_order(
    fills: Iterable[tuple[str, Decimal, Decimal]],
) -> dict[str, tuple[Decimal, Decimal]]:
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for cid, qty, price in fills:
        before = totals.get(cid, (Decimal(0), Decimal(0)))
        totals[cid] = (before[0] + qty, before[1] + qty * price)
    return totals


def _weights(account: AlpacaTestServer) -> dict[str, Decimal]:
    held = account.positions()
    equity = account.cash + sum(q * account.price(s) for s, q in held.items())
    return {s: q * account.price(s) / equity for s, q in held.items()}


def _assert_at_target(account: AlpacaTestServer) -> None:
    # equity 10,000 + 20 × 85 + 10 × 400 = 15,700 → SPY 4,710, TLT 3,140, QQQ 7,850 (± buffer)
    weights = _weights(account)
    assert set(weights) == {"SPY", "TLT", "QQQ"}  # XLE closed in full, no dust
    assert weights["SPY"] == pytest.approx(Decimal("0.3"), abs=Decimal("0.04"))
    assert weights["TLT"] == pytest.approx(Decimal("0.2"), abs=Decimal("0.04"))
    assert weights["QQQ"] == pytest.approx(Decimal("0.5"), abs=Decimal("0.04"))


def test_trade_brings_a_stale_account_to_target_and_the_ledger_matches_the_server(
    account: AlpacaTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 504 after the first order was accepted: resolved by lookup, never resent.
    account.add_fault(Fault(method="POST", path="/v2/orders", status=504, after_commit=True))
    code, result, _ = _trade(account, capsys)
    assert code == 0, json.dumps(result, indent=1)[:4000]
    sleeves = {s["sleeve"] for s in result["sleeves"]}
    assert sleeves == {"core", "growth"}  # ALCHEMISER_PORTFOLIO_FILE was used
    _assert_at_target(account)
    # sells first: every sell filled before the first buy order was created
    last_sell = max(f.timestamp for f in account.fills if f.side == "sell")
    first_buy_order = min(o.created_at for o in account.orders() if o.side == "buy")
    assert last_sell < first_buy_order

    code, status = _run(["status", "--broker", "alpaca", "--json"], capsys)
    assert code == 0
    shown = {p["symbol"]: Decimal(p["qty"]) for p in status["account"]["positions"]}
    assert shown == account.positions()


@pytest.mark.parametrize(
    "scenario",
    [
        "429-burst",
        "5xx-on-reads",
        "partial-fills",
        "dropped-stream",
        "delayed-cancels",
        "margin-x4",
    ],
)
def test_trade_converges_under_faults(
    account: AlpacaTestServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
) -> None:
    if scenario != "delayed-cancels":  # that one needs the resting limits that get canceled
        _quick_ladder(monkeypatch)
    stop_dropping = threading.Event()
    dropper = threading.Thread(target=_keep_dropping, args=(account, stop_dropping))
    if scenario == "429-burst":
        account.add_fault(Fault(method="POST", status=429, count=3, retry_after=0.1))
        account.add_fault(
            Fault(method="GET", path="/v2/orders/", status=429, count=3, retry_after=0.1)
        )
    elif scenario == "5xx-on-reads":
        account.add_fault(Fault(method="GET", path="/v2/orders/", status=503, count=2))
        account.add_fault(Fault(method="GET", path="/v2/account", status=502, count=1))
    elif scenario == "partial-fills":
        account.partial_fill_parts["*"] = 3
    elif scenario == "dropped-stream":
        dropper.start()
    elif scenario == "margin-x4":  # 4x day-trading buying power: none of it may be spent
        account.account_type, account.multiplier = "margin", 4
    else:
        account.cancel_delay = 1.0
    try:
        code, result, _ = _trade(account, capsys)
    finally:
        stop_dropping.set()
        if dropper.is_alive():
            dropper.join()
    assert code == 0, json.dumps(result, indent=1)[:4000]
    if scenario == "dropped-stream":
        assert account.events, "the run produced trade updates"
    if scenario == "delayed-cancels":
        assert any(e["data"]["event"] == "pending_cancel" for e in account.events)
    if scenario == "margin-x4":
        assert account.cash >= 0  # bought with cash only
    _assert_at_target(account)


def test_rejected_symbol_is_recorded_and_the_rest_converges(
    account: AlpacaTestServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alpaca rejects every TLT order after accepting it: TLT stays unbought, the run and the
    ledger say so, `trade` exits with the TRADING code (11, SPEC §9), the rest converges."""
    _quick_ladder(monkeypatch)
    account.async_rejections["TLT"] = "halted"
    code, result, detail = _trade(account, capsys)
    assert code == 11
    assert any("TLT" in e["message"] for e in result["errors"])
    assert "TLT" not in account.positions()
    tlt = [o for o in result["orders"] if o["symbol"] == "TLT"]
    assert tlt
    assert {o["status"] for o in tlt} == {"rejected"}
    assert any("TLT" in e["message"] and "rejected" in e["message"] for e in detail["errors"])
    weights = _weights(account)
    assert "XLE" not in weights
    assert weights["QQQ"] == pytest.approx(Decimal("0.5"), abs=Decimal("0.04"))
    assert result["residual_drift"] == pytest.approx(0.2, abs=0.04)  # TLT's whole 20 %
