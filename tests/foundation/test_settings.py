"""Settings precedence, portfolio validation messages, secrets masking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.portfolio.sleeves import DEFAULT_PORTFOLIO
from alchemiser.infrastructure.config.portfolio_file import load_portfolio
from alchemiser.infrastructure.config.settings import load_settings
from alchemiser.interface.cli.main import main

BUILTINS = ("nuclear", "tecl", "klm")


class TestPrecedence:
    """init > environment > .env > defaults, for plain and nested settings."""

    def test_defaults(self) -> None:
        settings = load_settings()
        assert settings.broker == "sim"
        assert settings.execution.limit_steps == 3
        assert settings.rebalance.min_drift == 0.01

    def test_dotenv_beats_defaults(self) -> None:
        Path(".env").write_text("ALCHEMISER_EXECUTION__LIMIT_STEPS=5\nALCHEMISER_BROKER=alpaca\n")
        settings = load_settings()
        assert settings.execution.limit_steps == 5
        assert settings.broker == "alpaca"

    def test_environment_beats_dotenv(self, monkeypatch: pytest.MonkeyPatch) -> None:
        Path(".env").write_text("ALCHEMISER_EXECUTION__LIMIT_STEPS=5\n")
        monkeypatch.setenv("ALCHEMISER_EXECUTION__LIMIT_STEPS", "7")
        assert load_settings().execution.limit_steps == 7

    def test_init_beats_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ALCHEMISER_BROKER", "alpaca")
        assert load_settings(broker="sim").broker == "sim"

    def test_conventional_alpaca_variables(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ALPACA_API_KEY", "PKTESTKEY123")
        monkeypatch.setenv("ALPACA_SECRET_KEY", "paper-secret-value")
        monkeypatch.setenv("ALPACA_LIVE_API_KEY", "AKLIVEKEY456")
        settings = load_settings()
        assert settings.paper_keys.complete
        assert not settings.live_keys.complete  # the live secret is missing
        assert settings.paper_keys.api_key is not None
        assert settings.paper_keys.api_key.get_secret_value() == "PKTESTKEY123"


class TestInvalidSettings:
    def test_bad_nested_env_value_names_the_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ALCHEMISER_REBALANCE__MIN_DRIFT", "-0.5")
        with pytest.raises(ConfigurationError) as err:
            load_settings()
        assert "rebalance.min_drift" in str(err.value)
        assert "greater than or equal to 0" in str(err.value)

    def test_negative_numbers_rejected(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ALCHEMISER_EXECUTION__MAX_SLIPPAGE_BPS", "-3")
        with pytest.raises(ConfigurationError, match=r"execution\.max_slippage_bps"):
            load_settings()

    def test_unknown_broker(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ALCHEMISER_BROKER", "robinhood")
        with pytest.raises(
            ConfigurationError,
            match=r"ALCHEMISER_BROKER \(broker, environment\) = 'robinhood': "
            r"Input should be 'sim' or 'alpaca'",
        ):
            load_settings()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "portfolio.toml"
    path.write_text(text)
    return path


class TestPortfolioFile:
    def test_default_when_no_file(self) -> None:
        spec = load_portfolio(None, BUILTINS)
        assert spec == DEFAULT_PORTFOLIO
        assert spec.allocations == {"nuclear": 0.30, "tecl": 0.50, "klm": 0.20}

    def test_both_spellings(self, tmp_path: Path) -> None:
        (tmp_path / "mine.clj").write_text('(asset "SPY")')
        path = _write(
            tmp_path,
            '[sleeves]\nnuclear = 0.25\n[sleeves.mine]\nsymphony = "mine.clj"\nallocation = 0.75\n',
        )
        spec = load_portfolio(path, BUILTINS)
        assert [(s.name, s.allocation) for s in spec.sleeves] == [("nuclear", 0.25), ("mine", 0.75)]
        assert spec.sleeves[1].symphony == str(tmp_path / "mine.clj")

    def test_allocations_must_sum_to_one(self, tmp_path: Path) -> None:
        path = _write(tmp_path, "[sleeves]\nnuclear = 0.3\ntecl = 0.5\nklm = 0.3\n")
        with pytest.raises(ConfigurationError) as err:
            load_portfolio(path, BUILTINS)
        message = str(err.value)
        assert str(path) in message
        assert "must sum to 1, got 1.1" in message
        assert "klm=0.3" in message

    def test_sum_within_tolerance_is_accepted(self, tmp_path: Path) -> None:
        path = _write(
            tmp_path, "[sleeves]\nnuclear = 0.3333333\ntecl = 0.3333333\nklm = 0.3333334\n"
        )
        assert len(load_portfolio(path, BUILTINS).sleeves) == 3

    def test_negative_allocation(self, tmp_path: Path) -> None:
        path = _write(tmp_path, "[sleeves]\nnuclear = 1.2\ntecl = -0.2\n")
        with pytest.raises(ConfigurationError, match=r"sleeves\.tecl allocation must be positive"):
            load_portfolio(path, BUILTINS)

    def test_unknown_sleeve(self, tmp_path: Path) -> None:
        path = _write(tmp_path, "[sleeves]\nnuclear = 0.5\nmoonshot = 0.5\n")
        with pytest.raises(ConfigurationError) as err:
            load_portfolio(path, BUILTINS)
        assert "sleeves.moonshot: unknown sleeve 'moonshot'" in str(err.value)
        assert "klm, nuclear, tecl" in str(err.value)

    def test_missing_symphony_file(self, tmp_path: Path) -> None:
        path = _write(tmp_path, '[sleeves.x]\nsymphony = "nope.clj"\nallocation = 1.0\n')
        with pytest.raises(
            ConfigurationError, match=r"sleeves\.x: symphony file 'nope.clj' not found"
        ):
            load_portfolio(path, BUILTINS)

    def test_malformed_toml(self, tmp_path: Path) -> None:
        path = _write(tmp_path, "[sleeves\nnuclear = 1\n")
        with pytest.raises(ConfigurationError) as err:
            load_portfolio(path, BUILTINS)
        assert f"{path}: malformed TOML" in str(err.value)
        assert "line 1" in str(err.value)

    def test_non_numeric_allocation(self, tmp_path: Path) -> None:
        path = _write(tmp_path, '[sleeves]\nnuclear = "half"\n')
        with pytest.raises(
            ConfigurationError, match=r"sleeves\.nuclear allocation must be a number"
        ):
            load_portfolio(path, BUILTINS)

    def test_unknown_key_in_sleeve(self, tmp_path: Path) -> None:
        path = _write(tmp_path, "[sleeves.nuclear]\nallocation = 1.0\nweight = 2\n")
        with pytest.raises(ConfigurationError, match=r"unknown key\(s\) \['weight'\]"):
            load_portfolio(path, BUILTINS)

    def test_missing_sleeves_table(self, tmp_path: Path) -> None:
        path = _write(tmp_path, "nuclear = 1.0\n")
        with pytest.raises(ConfigurationError, match=r"missing \[sleeves\] table"):
            load_portfolio(path, BUILTINS)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError, match="portfolio file not found"):
            load_portfolio(tmp_path / "absent.toml", BUILTINS)


class TestConfigCommands:
    def test_show_masks_secrets(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("ALPACA_API_KEY", "PKVISIBLEKEY")
        monkeypatch.setenv("ALPACA_SECRET_KEY", "super-secret-value-42")
        assert main(["config", "show"]) == 0
        table = capsys.readouterr().out
        assert main(["config", "show", "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        for text in (table, json.dumps(data)):
            assert "super-secret-value-42" not in text
            assert "PKVISIBLEKEY" not in text
        assert data["settings"]["alpaca_secret_key"] == "***"
        sleeves = {s["sleeve"]: s for s in data["portfolio"]["sleeves"]}
        assert sleeves["tecl"]["allocation"] == 0.5

    def test_check_ok(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["config", "check"]) == 0
        assert "Configuration OK" in capsys.readouterr().out

    def test_check_fails_with_configuration_exit_code(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = _write(tmp_path, "[sleeves]\nnuclear = 0.9\n")
        monkeypatch.setenv("ALCHEMISER_PORTFOLIO_FILE", str(path))
        assert main(["config", "check"]) == 14
        err = capsys.readouterr().err
        assert "CONFIGURATION error" in err
        assert "must sum to 1, got 0.9" in err
        assert "What to do:" in err
