"""`[risk]` in the portfolio file and ALCHEMISER_RISK__… settings; bad values name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemiser import bootstrap
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.risk.model import RiskAction
from alchemiser.domain.symphony.builtins import BUILTIN_NAMES
from alchemiser.infrastructure.config.portfolio_file import load_portfolio


def portfolio(tmp_path: Path, risk: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(f"[sleeves]\nnuclear = 1.0\n\n[risk]\n{risk}\n", encoding="utf-8")
    return path


def test_portfolio_file_overrides_the_environment_key_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALCHEMISER_RISK__MAX_TICKER_WEIGHT", "0.3")
    monkeypatch.setenv("ALCHEMISER_RISK__MAX_EFFECTIVE_EXPOSURE", "2.0")
    monkeypatch.setenv("ALCHEMISER_RISK__ACTIONS", '{"max_ticker_weight": "block"}')
    settings = bootstrap.load_settings(data_dir=tmp_path)
    spec = load_portfolio(
        portfolio(
            tmp_path,
            'max_effective_exposure = 1.5\ndeny = ["uvxy", "SQQQ"]\n'
            '[risk.actions]\nmax_effective_exposure = "block"',
        ),
        BUILTIN_NAMES,
    )
    limits = bootstrap.risk_settings(settings, spec).limits()
    assert limits.max_ticker_weight == 0.3  # from the environment
    assert limits.max_effective_exposure == 1.5  # the file wins
    assert limits.deny == frozenset({"UVXY", "SQQQ"})
    assert limits.action("max_ticker_weight") is RiskAction.BLOCK
    assert limits.action("max_effective_exposure") is RiskAction.BLOCK
    assert limits.action("min_cash_reserve") is RiskAction.SCALE


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("max_ticker_weight = 1.5", "risk.max_ticker_weight"),
        ("max_effective_exposure = -1", "risk.max_effective_exposure"),
        ('deny = "UVXY', None),  # malformed TOML: names the file
        ("max_drawdwn = 0.2", "risk.max_drawdwn"),
        ('[risk.actions]\nmax_ticker_weight = "shrink"', "risk.actions.max_ticker_weight"),
    ],
)
def test_bad_risk_values_are_configuration_errors_naming_the_key(
    tmp_path: Path, line: str, key: str | None
) -> None:
    path = portfolio(tmp_path, line)
    with pytest.raises(ConfigurationError) as caught:
        load_portfolio(path, BUILTIN_NAMES)
    assert str(path) in caught.value.message
    if key is not None:
        assert key in caught.value.message


def test_bad_environment_value_names_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALCHEMISER_RISK__MAX_TICKER_WEIGHT", "lots")
    with pytest.raises(ConfigurationError, match=r"risk\.max_ticker_weight"):
        bootstrap.load_settings(data_dir=tmp_path)
