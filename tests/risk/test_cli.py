"""The interface names other checks use: `[risk]` in the portfolio file, and `interventions`
in `signal --json`, `backtest --json` and `trade --json` (real entry point, synthetic market)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.main import main

pytestmark = pytest.mark.timeout(300)

KEYS = {"rule", "ticker", "before", "after", "action", "reason"}


def portfolio(tmp_path: Path, risk: str) -> Path:
    path = tmp_path / "portfolio.toml"
    path.write_text(f"[sleeves]\ntecl = 0.6\nnuclear = 0.4\n\n[risk]\n{risk}\n", encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> dict:
    assert main(argv) == code
    payload = json.loads(capsys.readouterr().out)
    assert isinstance(payload, dict)
    return payload


def test_signal_json_shows_what_the_rules_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = portfolio(tmp_path, "max_ticker_weight = 0.3\nmax_effective_exposure = 1.2")
    payload = run_json(
        capsys, ["signal", "--portfolio", str(path), "--as-of", "2024-06-28", "--json"]
    )
    found = payload["interventions"]
    assert found and all(set(i) == KEYS for i in found)
    adjusted = payload["risk_target"]
    assert max(adjusted.values()) <= 0.3 + 1e-9
    # the blended target itself is what the strategies want, unchanged
    assert max(line["weight"] for line in payload["target"]) > 0.3


def test_backtest_json_counts_interventions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = portfolio(tmp_path, "max_effective_exposure = 1.5")
    payload = run_json(
        capsys,
        [
            "backtest",
            "--portfolio",
            str(path),
            "--start",
            "2023-01-01",
            "--end",
            "2023-12-29",
            "--json",
        ],
    )
    assert payload["interventions"]
    assert {"date", *KEYS} == set(payload["interventions"][0])
    assert payload["risk"]["intervention_counts"]["max_effective_exposure"] > 0
    assert payload["risk"]["final_equity_without_rules"] > 0


def test_trade_json_blocks_before_any_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = portfolio(
        tmp_path, 'max_ticker_weight = 0.2\n[risk.actions]\nmax_ticker_weight = "block"'
    )
    payload = run_json(
        capsys,
        ["trade", "--portfolio", str(path), "--force", "--json"],
        code=ErrorCategory.TRADING.exit_code,
    )
    assert payload["orders"] == []
    assert payload["interventions"][0]["action"] == "block"
    assert payload["interventions"][0]["rule"] == "max_ticker_weight"
    assert any("max_ticker_weight" in e["message"] for e in payload["errors"])
