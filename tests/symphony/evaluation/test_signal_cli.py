"""`alchemiser signal` on the offline synthetic market (no keys, no network)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.main import main

AS_OF = "2024-03-01"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["signal", "--json", "--as-of", AS_OF, *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_default_portfolio_json_blends_the_three_builtins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = run_json(capsys)
    assert payload["as_of"] == AS_OF
    assert payload["synthetic"] is True
    assert payload["source"] == "synthetic"
    strategies = {s["sleeve"]: s for s in payload["sleeves"]}
    assert set(strategies) == {"nuclear", "tecl", "klm"}
    expected: dict[str, float] = {}
    for sleeve in strategies.values():
        weights = sleeve["weights"]
        assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9)
        assert sleeve["explanation"], "every sleeve explains itself"
        for ticker, weight in weights.items():
            expected[ticker] = expected.get(ticker, 0.0) + sleeve["allocation"] * weight
    target = {line["symbol"]: line["weight"] for line in payload["target"]}
    assert target == pytest.approx(expected, abs=1e-12)
    assert math.isclose(sum(target.values()), 1.0, abs_tol=1e-9)
    allocations = {name: s["allocation"] for name, s in strategies.items()}
    assert allocations == {"nuclear": 0.3, "tecl": 0.5, "klm": 0.2}


def test_strategy_file_and_builtin_share_the_account(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "halves.clj"
    path.write_text(
        '(defsymphony "halves" {:rebalance-frequency :daily}\n'
        '  (weight-equal [(asset "SPY") (asset "TLT")]))\n'
    )
    payload = run_json(capsys, "--strategy", str(path), "--strategy", "tecl")
    strategies = {s["sleeve"]: s for s in payload["sleeves"]}
    assert strategies["halves"]["weights"] == {"SPY": 0.5, "TLT": 0.5}
    target = {line["symbol"]: line["weight"] for line in payload["target"]}
    assert target["SPY"] == pytest.approx(0.25)
    assert target["TLT"] == pytest.approx(0.25)


def test_table_output_says_synthetic_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signal", "--as-of", AS_OF, "--strategy", "nuclear", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DATA" in out
    assert "Blended target" in out
    assert "if rsi(SPY, 10) > 79" in out


def test_unknown_strategy_fails_with_the_strategy_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["signal", "--as-of", AS_OF, "--strategy", "no-such-thing.clj"]) == 13
    captured = capsys.readouterr()
    assert "no-such-thing" in captured.err


def test_strategy_and_portfolio_together_is_a_configuration_error(tmp_path: Path) -> None:
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("[sleeves]\ntecl = 1.0\n")
    assert main(["signal", "--strategy", "tecl", "--portfolio", str(portfolio)]) == 14


def test_bad_as_of_is_a_configuration_error() -> None:
    assert main(["signal", "--as-of", "yesterday"]) == 14


def test_missing_prices_fail_the_sleeve_as_a_data_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sleeve that cannot get its prices is a DATA failure (exit 12), not a strategy bug."""
    prices = tmp_path / "prices"
    prices.mkdir()
    (prices / "SPY.csv").write_text("date,close\n2024-01-02,470.1\n2024-01-03,468.8\n")
    code = main(["signal", "--strategy", "tecl", "--source", f"files:{prices}", "--closes-only"])
    assert code == ErrorCategory.DATA.exit_code
    err = capsys.readouterr().err
    assert "DATA error" in err
    assert "tecl" in err
