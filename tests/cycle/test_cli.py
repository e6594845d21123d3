"""`alchemiser trade / status / history` on a fresh data dir: the embedded default end to end
(3 built-in sleeves, synthetic market, simulated broker)."""

from __future__ import annotations

import json
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
    assert set(first["target"]) and sum(first["target"].values()) == pytest.approx(1.0)
    assert {"nuclear", "tecl", "klm"} <= set(first["signals"])
    assert first["orders"] and all(o["side"] == "buy" for o in first["orders"])
    for order in first["orders"]:
        assert set(order) >= {"symbol", "side", "qty", "status", "filled_qty", "avg_price"}
    assert first["final_weights"].keys() == first["target"].keys()
    for ticker, weight in first["target"].items():
        assert first["final_weights"][ticker] == pytest.approx(weight, abs=0.01)
    assert first["residual_drift"] < 0.01
    assert first["account_before"]["cash"] == 100_000.0

    code, second = _json(capsys, ["trade", "--yes", "--json"])
    assert code == 0
    assert second["run_id"] != first["run_id"]
    assert second["plan"] == [] and second["orders"] == []

    code, status = _json(capsys, ["status", "--json"])
    assert code == 0
    assert set(status["account"]) == {"equity", "cash", "buying_power"}
    positions = {p["symbol"]: p for p in status["positions"]}
    assert set(positions) == set(first["target"])
    assert sum(p["market_value"] for p in status["positions"]) + status["account"][
        "cash"
    ] == pytest.approx(status["account"]["equity"], abs=0.01)
    # Each sleeve owns what its symphony picked; P&L over sleeves = the account's, to the cent.
    sleeves = status["sleeves"]
    assert {"nuclear", "tecl", "klm"} <= set(sleeves)
    pnl = sum(s["realized_pnl"] + s["unrealized_pnl"] for s in sleeves.values())
    assert pnl == pytest.approx(status["account"]["equity"] - 100_000, abs=0.01)
    for name, weights in ((n, s["weights"]) for n, s in first["signals"].items()):
        assert set(sleeves[name]["holdings"]) == {t for t, w in weights.items() if w > 0}

    code, runs = _json(capsys, ["history", "--json"])
    assert [r["run_id"] for r in runs] == [second["run_id"], first["run_id"]]
    assert all(r["status"] == "completed" for r in runs)
    code, detail = _json(capsys, ["history", "--run", first["run_id"], "--json"])
    assert code == 0
    assert len(detail["orders"]) == len(first["orders"])
    assert {s["sleeve"] for s in detail["signals"]} == {"nuclear", "tecl", "klm"}
    assert [a["stage"] for a in detail["accounts"]] == ["before", "after_sells", "after"]


def test_dry_run_prints_the_plan_and_places_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, result = _json(capsys, ["trade", "--dry-run", "--json"])
    assert code == 0
    assert result["status"] == "dry_run"
    assert result["plan"] and result["orders"] == []
    code, status = _json(capsys, ["status", "--json"])
    assert status["positions"] == [] and status["account"]["cash"] == 100_000.0


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
    masked = detail["run"]["config"]["alpaca_api_key"]
    assert masked and set(masked) == {"*"}
