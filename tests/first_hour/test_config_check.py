"""Issue 16: `config check` tries what a run needs (every sleeve's symphony, the database,
online the broker and one quote) and says what works; anything broken is exit 14."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser.interface.cli.main import main

TRUNCATED = '(defsymphony "x" {:rebalance :daily}\n  (weight-equal\n    [(asset "SPY")'


def _portfolio(tmp_path: Path) -> Path:
    (tmp_path / "trunc.clj").write_text(TRUNCATED, encoding="utf-8")
    path = tmp_path / "portfolio.toml"
    path.write_text(
        '[sleeves]\nnuclear = 0.5\n[sleeves.g]\nsymphony = "trunc.clj"\nallocation = 0.5\n',
        encoding="utf-8",
    )
    return path


def test_truncated_symphony_is_reported_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check", "--portfolio", str(_portfolio(tmp_path))]) == 14
    out = capsys.readouterr().out
    assert "FAIL sleeve g" in out
    assert "trunc.clj:3:" in out
    assert "Configuration OK" not in out


def test_json_lists_every_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--json", "--portfolio", str(_portfolio(tmp_path))]) == 14
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    verdicts = {c["name"]: c["ok"] for c in result["checks"]}
    assert verdicts == {
        "sleeve nuclear": True,
        "sleeve g": False,
        "broker settings": True,
        "database": True,
    }


def test_database_that_cannot_be_opened_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ALCHEMISER_DATABASE_URL", f"sqlite:///{blocker}/ledger.sqlite3")
    assert main(["config", "check"]) == 14
    out = capsys.readouterr().out
    assert "FAIL database" in out


@pytest.mark.timeout(60)
def test_online_calls_the_sim_broker_and_the_data_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["config", "check", "--online"]) == 0
    out = capsys.readouterr().out
    assert "ok  broker (online): sim: account answers" in out
    assert "ok  market data (online): synthetic: SPY" in out
