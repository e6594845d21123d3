"""Issue 16: `alchemiser init` writes a portfolio that `config check` accepts and a `.env.example`
whose every line, uncommented, is a valid setting holding the default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alchemiser import bootstrap
from alchemiser.interface.cli.main import main


def test_init_writes_a_portfolio_that_config_check_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["init"]) == 0
    assert Path("portfolio.toml").is_file() and Path(".env.example").is_file()
    capsys.readouterr()
    assert main(["config", "check", "--portfolio", "portfolio.toml"]) == 0
    assert "Configuration OK" in capsys.readouterr().out


def test_init_refuses_to_overwrite_without_force(capsys: pytest.CaptureFixture[str]) -> None:
    Path("portfolio.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["init"]) == 14
    assert "portfolio.toml" in capsys.readouterr().err
    assert Path("portfolio.toml").read_text(encoding="utf-8") == "# mine\n"
    assert not Path(".env.example").exists()
    assert main(["init", "--force"]) == 0
    assert "[sleeves]" in Path("portfolio.toml").read_text(encoding="utf-8")


def test_every_env_example_line_is_a_valid_setting_with_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["init"]) == 0
    text = Path(".env.example").read_text(encoding="utf-8")
    assignments = re.findall(r"^# ((?:ALCHEMISER|ALPACA)_[A-Z_]+)=(.+)$", text, re.MULTILINE)
    names = {name for name, _ in assignments}
    assert len(assignments) > 60  # every section, not a handful
    defaults = bootstrap.load_settings()
    written = {name: value for name, value in assignments if name != "ALCHEMISER_DATA_DIR"}
    Path(".env").write_text(
        "".join(f"{name}={value}\n" for name, value in written.items()), encoding="utf-8"
    )
    loaded = bootstrap.load_settings()
    assert loaded.model_dump(exclude={"data_dir"}) == defaults.model_dump(exclude={"data_dir"})
    with Path(".env").open("a", encoding="utf-8") as env:  # the file really is read
        env.write("ALCHEMISER_EXECUTION__LIMIT_STEPS=4\n")
    assert bootstrap.load_settings().execution.limit_steps == 4 != defaults.execution.limit_steps
    for section in ("EXECUTION", "NOTIFICATIONS__EMAIL", "RISK", "AUTOPILOT"):
        assert any(n.startswith(f"ALCHEMISER_{section}__") for n in names), section
