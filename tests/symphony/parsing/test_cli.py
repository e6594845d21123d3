"""`alchemiser symphony check|convert` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser.domain.errors import ErrorCategory
from alchemiser.domain.symphony.composer_json import parse_composer_json
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.interface.cli.main import main

GOOD = """(defsymphony "Good" {:rebalance-frequency :daily}
  (if (> (rsi "SPY" {:window 10}) 70)
    [(asset "UVXY" nil)]
    [(asset "SPY" nil) (asset "TLT" nil)]))"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.clj"
    path.write_text(GOOD)
    return path


def test_check_valid_file_as_json(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["symphony", "check", str(good), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is True
    (result,) = payload["files"]
    assert result["file"] == str(good)
    assert result["name"] == "Good"
    assert result["tickers"] == ["SPY", "TLT", "UVXY"]
    assert result["indicators"] == [
        {"metric": "rsi", "ticker": "SPY", "window": 10, "parameters": {}}
    ]
    assert result["warmup_sessions"] == 11
    assert result["node_count"] == 5  # if, uvxy, the then-split, spy, tlt
    assert result["errors"] == [] and result["warnings"] == []
    assert result["parse_seconds"] >= 0


def test_check_reports_every_file_and_exits_with_the_strategy_code(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "truncated.clj"
    truncated.write_text(GOOD[:-4])
    no_window = tmp_path / "no_window.clj"
    no_window.write_text('(if (> (rsi "SPY") 50) [(asset "A")] [(asset "B")])')
    bad_weights = tmp_path / "weights.clj"
    bad_weights.write_text('(weight-specified 0.5 (asset "A") 0.2 (asset "B"))')
    code = main(
        ["symphony", "check", str(good), str(truncated), str(no_window), str(bad_weights), "--json"]
    )
    assert code == ErrorCategory.STRATEGY.exit_code
    results = {Path(r["file"]).name: r for r in json.loads(capsys.readouterr().out)["files"]}
    assert results["good.clj"]["ok"] is True
    assert results["truncated.clj"]["ok"] is False
    (error,) = results["truncated.clj"]["errors"]
    assert error["line"] == 4 and "unexpected end of input" in error["message"]
    (error,) = results["no_window.clj"]["errors"]
    assert (error["line"], error["column"]) == (1, 8) and "missing window" in error["message"]
    (error,) = results["weights.clj"]["errors"]
    assert (error["line"], error["column"]) == (1, 1)
    assert "sum to 0.7" in error["message"]
    assert results["weights.clj"]["tickers"] == ["A", "B"]


def test_check_human_output(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.clj"
    bad.write_text('(weight-equal [(asset "SPY") (fooo 1)])')
    assert main(["symphony", "check", str(good), str(bad)]) == 13
    out = capsys.readouterr().out
    assert "ok" in out and "Good" in out and "warm-up 11 sessions" in out
    assert "invalid" in out and "bad.clj:1:31: unknown operator 'fooo'" in out
    assert "1 of 2 valid" in out


def test_convert_to_json_and_back(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "good.json"
    assert main(["symphony", "convert", str(good), "-o", str(out)]) == 0  # format from suffix
    assert "wrote" in capsys.readouterr().out
    original = parse_clj(GOOD)
    assert parse_composer_json(out.read_text()).digest == original.digest
    assert main(["symphony", "convert", str(out), "--to", "clj"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("(defsymphony")
    assert parse_clj(text).digest == original.digest


def test_convert_builtin_to_json_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["symphony", "convert", "tecl", "--to", "json"]) == 0
    score = json.loads(capsys.readouterr().out)
    assert score["step"] == "root"
    from alchemiser.domain.symphony.builtins import builtin

    assert parse_composer_json(score).digest == builtin("tecl").digest


def test_convert_needs_a_target_format(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["symphony", "convert", str(good)]) != 0
    assert "--to" in capsys.readouterr().err


def test_convert_unknown_file_is_a_strategy_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["symphony", "convert", str(tmp_path / "nope.clj"), "--to", "json"])
    assert code == ErrorCategory.STRATEGY.exit_code
    assert "no such symphony file" in capsys.readouterr().err


def test_check_a_folder_checks_its_symphony_files(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not a symphony")
    (tmp_path / "score.json").write_text(
        json.dumps({"step": "root", "name": "j", "children": [{"step": "asset", "ticker": "SPY"}]})
    )
    assert main(["symphony", "check", str(tmp_path), "--json"]) == 0
    files = [Path(r["file"]).name for r in json.loads(capsys.readouterr().out)["files"]]
    assert files == ["good.clj", "score.json"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["symphony", "check", str(empty)]) == ErrorCategory.STRATEGY.exit_code
    assert "is a directory" in capsys.readouterr().out
