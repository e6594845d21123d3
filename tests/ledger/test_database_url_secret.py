"""A database URL's password never reaches `config show`, a run's stored config or the logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser.infrastructure.config.settings import load_settings
from alchemiser.infrastructure.ledger import SqlLedger
from alchemiser.interface.cli.main import main
from tests.postgres_server import PostgresServer

PASSWORD = "t0p-s3cr%40t"  # percent-encoded "@" as a URL must carry it


def test_config_show_masks_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql+psycopg://alice:{PASSWORD}@db.example:5433/ledger"
    monkeypatch.setenv("ALCHEMISER_DATABASE_URL", url)
    capsys.readouterr()
    assert main(["config", "show", "--json"]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert (
        shown["settings"]["database_url"] == "postgresql+psycopg://alice:***@db.example:5433/ledger"
    )
    assert shown["ledger_url"] == shown["settings"]["database_url"]
    assert "t0p-s3cr" not in out
    settings = load_settings()
    assert "t0p-s3cr" not in repr(settings) and "t0p-s3cr" not in str(settings.database_url)
    assert settings.ledger_url == url  # the driver still gets the real one
    assert {"t0p-s3cr%40t", "t0p-s3cr@t"} <= set(settings.secret_values())


@pytest.mark.timeout(300)
def test_a_runs_stored_config_has_no_password(
    postgres: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The test server trusts local connections, so a URL with a password works against it."""
    url = postgres.fresh_url().replace(f"{postgres.user}@", f"{postgres.user}:{PASSWORD}@")
    monkeypatch.setenv("ALCHEMISER_DATABASE_URL", url)
    portfolio = tmp_path / "one.toml"
    portfolio.write_text("[sleeves]\ntecl = 1.0\n")
    capsys.readouterr()
    main(["trade", "--dry-run", "--force", "--json", "--portfolio", str(portfolio)])
    captured = capsys.readouterr()
    assert "t0p-s3cr" not in captured.out + captured.err
    (run,) = SqlLedger(url).runs()
    stored = json.dumps(run.config)
    assert "t0p-s3cr" not in stored
    assert f"{postgres.user}:***@127.0.0.1:{postgres.port}" in stored
    # the stored config is what `config show` prints, with the portfolio the run traded
    assert run.config["ledger_url"] == run.config["settings"]["database_url"]
    assert run.config["portfolio"]["sleeves"] == [
        {"sleeve": "tecl", "symphony": "tecl", "allocation": 1.0}
    ]
    assert main(["history", "--run", run.run_id, "--json"]) == 0
    shown = capsys.readouterr().out
    assert "t0p-s3cr" not in shown
    assert [s["symphony"] for s in json.loads(shown)["sleeves"]] == ["tecl"]
