"""Issue 16: every malformed setting, from any source, is one CONFIGURATION paragraph (exit 14)
naming the setting and showing the expected form — never a traceback, even though the error
handler itself wants the settings (for the redactor) and used to crash re-reading them."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemiser.interface.cli.main import main

# (kind, variable without the ALCHEMISER_ prefix, bad value, a phrase of the expected form)
BAD_SETTINGS = [
    ("list", "NOTIFICATIONS__EMAIL__RECIPIENTS", "me@x.com", "'[\"me@x.com\"]'"),
    ("list", "NOTIFICATIONS__EMAIL__RECIPIENTS", "[not json", "JSON list"),
    ("list", "SIM_BROKER__NON_FRACTIONABLE", "TSLA", "'[\"TSLA\"]'"),
    ("bool", "LOG_JSON", "maybe", "true or false"),
    ("bool", "NOTIFICATIONS__EMAIL__ENABLED", "perhaps", "true or false"),
    ("number", "EXECUTION__MAX_SLIPPAGE_BPS", "inf", "finite number"),
    ("number", "REBALANCE__MIN_ORDER_VALUE", "inf", "finite number"),
    ("number", "MARKET_DATA__HISTORY_YEARS", "100000", "less than or equal to 100"),
    ("number", "EXECUTION__LIMIT_STEPS", "three", "whole number"),
    ("number", "SIM_BROKER__INITIAL_CASH", "nan", "finite"),
    ("time", "EXECUTION__WINDOW_START", "25:99", "HH:MM"),
    ("time", "EXECUTION__EARLY_CLOSE_WINDOW_START", "12h45", "HH:MM"),
    ("url", "DATABASE_URL", "notaurl://", "sqlite:///"),
    ("enum", "BROKER", "foo", "'sim' or 'alpaca'"),
    ("enum", "MARKET_DATA__SOURCE", "bloomberg", "'yahoo'"),
    ("enum", "NOTIFICATIONS__EVENTS", '["nope"]', "run_report"),
    ("enum", "NOTIFICATIONS__EVENTS", "run_report", "'[\"run_report\"]'"),
]
IDS = [f"{kind}-{name}={value}" for kind, name, value, _ in BAD_SETTINGS]


def _check_fails_cleanly(
    capsys: pytest.CaptureFixture[str], *names: str, also: tuple[str, ...] = ()
) -> str:
    """The human paragraph of `config check` (also checked: --json and the commands `also`)."""
    paragraph = ""
    for argv in (["config", "check", "--json"], *([c] for c in also), ["config", "check"]):
        assert main(argv) == 14, argv
        out = capsys.readouterr()
        assert "Traceback" not in out.err + out.out
        paragraph = out.out if "--json" in argv else out.err
        for name in names:
            assert name in paragraph, (argv, paragraph)
    return paragraph


@pytest.mark.parametrize("case", BAD_SETTINGS, ids=IDS)
@pytest.mark.parametrize("source", ["environment", ".env"])
def test_bad_setting_is_one_configuration_paragraph(
    source: str,
    case: tuple[str, str, str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _kind, name, value, expected = case
    variable = f"ALCHEMISER_{name}"
    if source == "environment":
        monkeypatch.setenv(variable, value)
    else:
        Path(".env").write_text(f"{variable}='{value}'\n", encoding="utf-8")
    paragraph = _check_fails_cleanly(capsys, variable, also=("status",))
    assert paragraph.startswith("CONFIGURATION error"), paragraph
    assert f"{source})" in paragraph
    assert expected in paragraph, paragraph


def test_secret_values_of_a_bad_configuration_are_not_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALCHEMISER_DATABASE_URL", "nodb://admin:s3cret-pw@host/x")
    monkeypatch.setenv("ALCHEMISER_NOTIFICATIONS__EMAIL__PASSWORD", "hunter2-pw")
    monkeypatch.setenv("ALCHEMISER_LOG_JSON", "maybe")
    assert main(["--verbose", "config", "check"]) == 14
    out = capsys.readouterr()
    assert "s3cret-pw" not in out.err + out.out
    assert "hunter2-pw" not in out.err + out.out


TOML_CASES = [
    ("number", '[sleeves]\nnuclear = "lots"\n', "sleeves.nuclear"),
    ("number", "[sleeves]\nnuclear = inf\n", "sleeves"),
    ("number", "[sleeves]\nnuclear = nan\n", "sleeves.nuclear"),
    ("bool", "[sleeves]\nnuclear = true\n", "sleeves.nuclear"),
    ("string", "[sleeves.growth]\nsymphony = 3\nallocation = 1.0\n", "sleeves.growth"),
    ("enum", "[sleeves]\nbloomberg = 1.0\n", "sleeves.bloomberg"),
    ("file", '[sleeves.g]\nsymphony = "missing.clj"\nallocation = 1.0\n', "sleeves.g"),
    ("truncated", "[sleeves]\nnuclear = 0.", "line 2"),
    ("table", "nuclear = 1.0\n", "[sleeves]"),
]


@pytest.mark.parametrize("case", TOML_CASES, ids=[c[0] for c in TOML_CASES])
def test_bad_portfolio_toml_is_one_configuration_paragraph(
    case: tuple[str, str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _kind, text, named = case
    portfolio = tmp_path / "portfolio.toml"
    portfolio.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ALCHEMISER_PORTFOLIO_FILE", str(portfolio))
    paragraph = _check_fails_cleanly(capsys, str(portfolio))
    assert named in paragraph, paragraph


# The six that `config check` used to accept and `trade` then crashed or misbehaved on.
TRADE_CRASHERS = [
    ("EXECUTION__MAX_SLIPPAGE_BPS", "inf"),
    ("REBALANCE__MIN_ORDER_VALUE", "inf"),
    ("EXECUTION__WINDOW_START", "25:99"),
    ("MARKET_DATA__HISTORY_YEARS", "100000"),
    ("DATABASE_URL", "notaurl://"),
    ("NOTIFICATIONS__EMAIL__RECIPIENTS", "[not json"),
]


@pytest.mark.parametrize("case", TRADE_CRASHERS, ids=[f"{n}={v}" for n, v in TRADE_CRASHERS])
@pytest.mark.parametrize("source", ["environment", ".env"])
def test_trade_refuses_what_config_check_refuses(
    source: str,
    case: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, value = case
    variable = f"ALCHEMISER_{name}"
    if source == "environment":
        monkeypatch.setenv(variable, value)
    else:
        Path(".env").write_text(f"{variable}='{value}'\n", encoding="utf-8")
    for argv in (["config", "check"], ["trade", "--dry-run"], ["trade", "--yes", "--force"]):
        assert main(argv) == 14, argv
        err = capsys.readouterr().err
        assert err.startswith("CONFIGURATION error") and variable in err, (argv, err)
        assert "Traceback" not in err


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_risk_table_in_the_portfolio_toml_refuses_non_finite_limits(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    portfolio = tmp_path / "portfolio.toml"
    portfolio.write_text(f"[sleeves]\nnuclear = 1.0\n[risk]\nmax_order_notional = {value}\n")
    for argv in (["config", "check"], ["trade", "--dry-run"]):
        assert main([*argv, "--portfolio", str(portfolio)]) == 14, argv
        assert "risk.max_order_notional" in capsys.readouterr().err
