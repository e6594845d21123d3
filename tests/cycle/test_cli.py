"""`alchemiser trade / status / history` on a fresh data dir: the embedded default end to end
(3 built-in sleeves, synthetic market, simulated broker)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.main import main


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith(("{", "[")) else out


def test_trade_twice_on_the_same_day_places_no_orders_the_second_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, first = _json(capsys, ["trade", "--yes", "--json"])
    assert code == 0, first
    assert first["mode"] == "sim" and first["synthetic"] is True
    target = {line["symbol"]: line["weight"] for line in first["target"]}
    assert target and sum(target.values()) == pytest.approx(1.0)
    assert {"nuclear", "tecl", "klm"} <= {s["sleeve"] for s in first["sleeves"]}
    assert first["orders"] and all(o["side"] == "buy" for o in first["orders"])
    assert {o["phase"] for o in first["orders"]} <= {"buy", "topup"}
    for order in first["orders"]:
        assert set(order) >= {"symbol", "side", "qty", "status", "filled_qty", "filled_avg_price"}
    final = {w["symbol"]: w["final"] for w in first["weights"]}
    assert final.keys() == target.keys()
    for ticker, weight in target.items():
        assert final[ticker] == pytest.approx(weight, abs=0.01)
    assert first["residual_drift"] < 0.01
    assert Decimal(first["account_before"]["cash"]) == Decimal(100_000)

    code, second = _json(capsys, ["trade", "--yes", "--json"])
    assert code == 0
    assert second["run_id"] != first["run_id"]
    assert second["plan"] == [] and second["orders"] == []

    code, status = _json(capsys, ["status", "--json"])
    assert code == 0
    account = status["account"]
    positions = {p["symbol"]: p for p in account["positions"]}
    assert set(positions) == set(target)
    # Exact decimals: positions plus cash make the equity to the cent, no float rounding.
    total = sum((Decimal(p["market_value"]) for p in positions.values()), Decimal(account["cash"]))
    assert abs(total - Decimal(account["equity"])) <= Decimal("0.01")
    # Each sleeve owns what its symphony picked; P&L over sleeves = the account's, to the cent.
    books = {b["sleeve"]: b for b in status["sleeve_books"]}
    assert {"nuclear", "tecl", "klm"} <= set(books)
    pnl = sum(Decimal(b["realized_pnl"]) + Decimal(b["unrealized_pnl"]) for b in books.values())
    assert abs(pnl - (Decimal(account["equity"]) - 100_000)) <= Decimal("0.01")
    for sleeve in first["sleeves"]:
        held = {h["symbol"] for h in books[sleeve["sleeve"]]["holdings"]}
        assert held == {t for t, w in sleeve["weights"].items() if w > 0}

    code, runs = _json(capsys, ["history", "--json"])
    assert [r["run_id"] for r in runs["runs"]] == [second["run_id"], first["run_id"]]
    assert all(r["status"] == "completed" for r in runs["runs"])
    code, detail = _json(capsys, ["history", "--run", first["run_id"], "--json"])
    assert code == 0
    assert len(detail["orders"]) == len(first["orders"])
    # One vocabulary: the same orders with the same phases and exact quantities in both.
    key = ("client_order_id", "phase", "qty", "filled_qty", "filled_avg_price", "status")
    assert sorted(tuple(o[k] for k in key) for o in detail["orders"]) == sorted(
        tuple(o[k] for k in key) for o in first["orders"]
    )
    assert {s["sleeve"] for s in detail["sleeves"]} == {"nuclear", "tecl", "klm"}
    assert [a["stage"] for a in detail["accounts"]] == ["before", "after_sells", "after"]


def test_dry_run_prints_the_plan_and_places_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, result = _json(capsys, ["trade", "--dry-run", "--json"])
    assert code == 0
    assert result["status"] == "dry_run"
    assert result["plan"] and result["orders"] == []
    assert result["dry_run"] is True
    code, status = _json(capsys, ["status", "--json"])
    assert status["account"]["positions"] == []
    assert Decimal(status["account"]["cash"]) == 100_000


def test_live_needs_the_alpaca_broker(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trade", "--live", "--yes"]) == ErrorCategory.CONFIGURATION.exit_code


def test_secrets_never_reach_the_ledger(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALPACA_API_KEY", "PKSECRETKEY123456")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "verysecretvalue987654")
    code, result = _json(capsys, ["trade", "--dry-run", "--json"])
    assert code == 0
    _, detail = _json(capsys, ["history", "--run", result["run_id"], "--json"])
    text = json.dumps(detail)
    assert "PKSECRETKEY123456" not in text and "verysecretvalue987654" not in text
    masked = detail["config"]["settings"]["alpaca_api_key"]
    assert masked and set(masked) == {"*"}


@pytest.mark.parametrize("confirmed", [False, True])
def test_live_trade_previews_then_asks(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, confirmed: bool
) -> None:
    """`trade --live` without --yes: the service previews (a dry run), the CLI asks, and only a
    yes places orders. The sim broker stands in for the live account here."""
    from alchemiser import bootstrap

    real_open = bootstrap.open_broker
    monkeypatch.setattr(
        bootstrap,
        "open_broker",
        lambda settings, name, *, live, market=None: real_open(
            settings, "sim", live=False, market=market
        ),
    )
    asked: list[str] = []

    def confirm(text: str, default: bool = False) -> bool:
        asked.append(text)
        return confirmed

    monkeypatch.setattr("typer.confirm", confirm)
    code = main(["trade", "--broker", "alpaca", "--live"])
    out = capsys.readouterr().out
    assert asked == ["Place these orders in the LIVE account?"]
    assert "dry run" in out and "Plan" in out  # the preview was shown before the question
    _, runs = _json(capsys, ["history", "--json"])
    statuses = [r["status"] for r in reversed(runs["runs"])]
    _, status = _json(capsys, ["status", "--json"])
    if confirmed:
        assert code == 0
        assert statuses == ["dry_run", "completed"]
        assert status["account"]["positions"]
    else:
        assert code == 1
        assert statuses == ["dry_run"]
        assert status["account"]["positions"] == []
