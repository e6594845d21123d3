"""Issue 16: `status` says when the account is simulated and the prices synthetic, and shows
each sleeve's value, its weight against its target, and its P&L."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from alchemiser.interface.cli.main import main

DEFAULT_TARGETS = {"nuclear": 0.30, "tecl": 0.50, "klm": 0.20}  # README's default portfolio


@pytest.mark.timeout(240)
def test_status_after_a_sim_trade(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trade", "--yes", "--force", "--json"]) == 0
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["simulated"] is True and status["synthetic"] is True
    sleeves = {s["sleeve"]: s for s in status["sleeves"]}
    assert {n: s["target_weight"] for n, s in sleeves.items()} == DEFAULT_TARGETS
    equity = Decimal(status["account"]["equity"])
    positions = sum(Decimal(p["market_value"]) for p in status["account"]["positions"])
    values = {n: Decimal(s["value"]) for n, s in sleeves.items()}
    # the sleeves hold the account's positions between them
    assert abs(sum(values.values()) - positions) < Decimal("0.05")
    for name, sleeve in sleeves.items():
        assert sleeve["weight"] == pytest.approx(float(values[name] / equity), abs=1e-9)
        assert sleeve["weight"] == pytest.approx(DEFAULT_TARGETS[name], abs=0.02)

    assert main(["status"]) == 0
    shown = capsys.readouterr().out
    assert "SIMULATED broker" in shown and "SYNTHETIC market" in shown
    assert "target" in shown and "unrealized P&L" in shown
