"""Published schemas (docs/schemas/) are the models', and real `--json` outputs obey them,
for successes and failures alike (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from alchemiser.application.results.schemas import PUBLISHED, PUBLISHED_LISTS, schema_texts
from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.main import main

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
GOOD = (
    '(defsymphony "Good" {} (if (> (rsi "SPY" {:window 10}) 70) [(asset "UVXY")] [(asset "SPY")]))'
)


def test_committed_schemas_are_generated_from_the_models() -> None:
    """Fails when a model changed without `alchemiser schema --write` (or a file was edited)."""
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.json")}
    generated = schema_texts()
    assert sorted(committed) == sorted(generated)
    for name, text in generated.items():
        assert committed[name] == text, (
            f"docs/schemas/{name} is stale: run `alchemiser schema --write`"
        )


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_every_schema_is_valid_and_versioned(name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["const"] == 1
    assert "schema_version" in schema["required"]


@pytest.mark.parametrize("name", sorted(PUBLISHED_LISTS))
def test_every_list_schema_is_valid_and_versioned(name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "array" and schema["x-schema-version"] == 1


def _validate(name: str, document: Any) -> None:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(document)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """The command's exit code and its stdout, which must be exactly one JSON document."""
    capsys.readouterr()
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _error(capsys: pytest.CaptureFixture[str], category: ErrorCategory, *argv: str) -> None:
    code, document = _run(capsys, *argv)
    _validate("error", document)
    assert code == category.exit_code == document["error"]["exit_code"]
    assert document["error"]["category"] == category.value


@pytest.mark.timeout(240)
def test_trade_status_history_outputs_validate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, run = _run(capsys, "trade", "--yes")
    assert code == 0
    _validate("run", run)
    assert run["orders"] and run["status"] == "completed"
    code, status = _run(capsys, "status")
    assert code == 0
    _validate("status", status)
    code, runs = _run(capsys, "history")
    assert code == 0
    _validate("history", runs)
    code, record = _run(capsys, "history", "--run", run["run_id"])
    assert code == 0
    _validate("run-record", record)
    assert record["fills"] and record["accounts"]
    # the default portfolio (SPEC §5: nuclear .3, tecl .5, klm .2), as the run recorded it
    assert {s["sleeve"]: (s["symphony"], s["allocation"]) for s in record["sleeves"]} == {
        "nuclear": ("nuclear", 0.3),
        "tecl": ("tecl", 0.5),
        "klm": ("klm", 0.2),
    }

    # A run that fails (a sleeve without prices stops it before any order) is still a run.
    broken = tmp_path / "broken.clj"
    broken.write_text('(defsymphony "Broken" {} (asset "NOSUCHTICKER1"))')
    portfolio = tmp_path / "portfolio.toml"
    portfolio.write_text(f'[sleeves.broken]\nsymphony = "{broken}"\nallocation = 1.0\n')
    code, failed = _run(capsys, "trade", "--yes", "--portfolio", str(portfolio))
    _validate("run", failed)
    assert failed["status"] == "failed" and failed["orders"] == []
    assert code == ErrorCategory(failed["errors"][0]["category"]).exit_code

    _error(capsys, ErrorCategory.CONFIGURATION, "trade", "--live", "--yes")
    _error(capsys, ErrorCategory.CONFIGURATION, "status", "--broker", "nope")
    _error(capsys, ErrorCategory.CONFIGURATION, "history", "--run", "no-such-run")


@pytest.mark.timeout(240)
def test_research_outputs_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, signal = _run(capsys, "signal", "--as-of", "2024-03-01")
    assert code == 0
    _validate("signal", signal)
    assert signal["complete"] is True

    code, backtest = _run(
        capsys, "backtest", "--strategy", "tecl", "--start", "2023-01-03", "--end", "2023-06-30"
    )
    assert code == 0
    _validate("backtest", backtest)

    code, indicator = _run(capsys, "indicator", "rsi", "SPY", "--window", "10")
    assert code == 0
    _validate("indicator", indicator)

    good = tmp_path / "good.clj"
    good.write_text(GOOD)
    bad = tmp_path / "bad.clj"
    bad.write_text(GOOD[:-5])
    code, check = _run(capsys, "symphony", "check", str(good), "nuclear")
    assert code == 0
    _validate("symphony-check", check)
    code, check = _run(capsys, "symphony", "check", str(good), str(bad))
    _validate("symphony-check", check)
    assert code == ErrorCategory.STRATEGY.exit_code and check["ok"] is False
    assert check["files"][1]["errors"][0]["line"] == 1  # where the unclosed form opens

    code, bars = _run(capsys, "data", "show", "SPY", "--last", "3")
    assert code == 0
    _validate("data-bars", bars)
    code, fetched = _run(capsys, "data", "fetch", "SPY")
    assert code == 0
    _validate("data-fetch", fetched)
    code, data = _run(capsys, "data", "status")
    assert code == 0
    _validate("data-status", data)
    code, config = _run(capsys, "config", "check")
    assert code == 0
    _validate("config-check", config)

    # A failed sleeve: the signal is still printed (incomplete), with the failure's exit code.
    code, failed = _run(capsys, "signal", "--as-of", "2024-03-01", "--strategy", "missing.clj")
    _validate("signal", failed)
    assert failed["complete"] is False and code == ErrorCategory.STRATEGY.exit_code

    _error(capsys, ErrorCategory.CONFIGURATION, "signal", "--as-of", "yesterday")
    _error(
        capsys, ErrorCategory.CONFIGURATION, "backtest", "--strategy", "tecl", "--rebalance", "x"
    )
    _error(capsys, ErrorCategory.CONFIGURATION, "indicator", "macd", "SPY")
