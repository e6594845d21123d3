"""`config show` and the config a run stores are one masked view (issue 12): a database URL's
password never appears in the table, the JSON or the ledger, and the JSON obeys its schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser import bootstrap
from alchemiser.interface.cli.main import main
from tests.results.schema_check import validate_against_schema

URL = "postgresql://u:secretpw@host/db"


def _show(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(["config", "show", *argv]) == 0
    return capsys.readouterr().out


def test_config_show_masks_the_database_password_in_table_and_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALCHEMISER_DATABASE_URL", URL)
    # the same password pasted into an ordinary setting: masked by value, not by type
    monkeypatch.setenv("ALCHEMISER_ALPACA_BASE_URL", "https://proxy.example/secretpw/v2")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "k3y-s3cret-value")
    table = _show(capsys)
    shown = json.loads(_show(capsys, "--json"))
    validate_against_schema("config", shown)
    for text in (table, json.dumps(shown)):
        assert "secretpw" not in text
        assert "k3y-s3cret-value" not in text
    assert shown["ledger_url"] == "postgresql://u:***@host/db"
    assert shown["settings"]["database_url"] == "postgresql://u:***@host/db"
    assert shown["settings"]["alpaca_base_url"] == "https://proxy.example/***/v2"
    assert shown["settings"]["alpaca_secret_key"] == "***"
    assert "postgresql://u:***@host/db" in table


def test_the_stored_run_config_is_the_same_masked_view(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """What `trade` hands the ledger (bootstrap.masked_config) equals `config show --json`,
    with the portfolio the run trades (here a `--portfolio` file). A real run on PostgreSQL with
    a password: tests/ledger/test_database_url_secret.py."""
    monkeypatch.setenv("ALCHEMISER_DATABASE_URL", URL)
    shown = json.loads(_show(capsys, "--json"))
    settings = bootstrap.load_settings()
    assert bootstrap.masked_config(settings) == shown
    portfolio = tmp_path / "one.toml"
    portfolio.write_text("[sleeves]\ntecl = 1.0\n")
    stored = bootstrap.masked_config(
        settings, bootstrap.portfolio_of(settings, portfolio_file=portfolio)
    )
    assert "secretpw" not in json.dumps(stored)
    assert stored["portfolio"]["sleeves"] == [
        {"sleeve": "tecl", "symphony": "tecl", "allocation": 1.0}
    ]
    assert stored["portfolio"]["source"] == str(portfolio)
