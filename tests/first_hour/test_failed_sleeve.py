"""Issue 16: a failed sleeve is shown once, clearly, and never as an allocation (it was a
`(failed: …) 100.00%` row in the blended target, and its error was printed three times)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemiser.interface.cli.main import main

TRUNCATED = '(defsymphony "x" {} (weight-equal [(asset "SPY"'
MESSAGE = "brackets still open"


def _portfolio(tmp_path: Path, *, alone: bool) -> Path:
    (tmp_path / "bad.clj").write_text(TRUNCATED, encoding="utf-8")
    sleeves = "" if alone else "tecl = 0.5\n"
    share = "1.0" if alone else "0.5"
    path = tmp_path / "p.toml"
    path.write_text(
        f'[sleeves]\n{sleeves}[sleeves.bad]\nsymphony = "bad.clj"\nallocation = {share}\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.timeout(120)
@pytest.mark.parametrize("alone", [True, False], ids=["only-sleeve", "one-of-two"])
def test_signal_shows_a_failed_sleeve_once_and_not_as_an_allocation(
    alone: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["signal", "--portfolio", str(_portfolio(tmp_path, alone=alone))]) == 13
    out = capsys.readouterr()
    both = out.out + out.err
    assert both.count(MESSAGE) == 1, both
    assert "FAILED (STRATEGY error)" in out.err
    assert "(failed" not in both
    if alone:  # no table at all: nothing is allocated
        assert "ticker" not in out.out
    else:
        assert "TECL" in out.out
    assert "Not in the target: bad" in out.out


@pytest.mark.timeout(180)
def test_trade_shows_a_failed_sleeve_once_without_internal_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code = main(["trade", "--dry-run", "--portfolio", str(_portfolio(tmp_path, alone=False))])
    assert code == 13
    out = capsys.readouterr()
    both = out.out + out.err
    assert both.count(MESSAGE) == 1, both
    assert "What to do:" in out.out
    assert "strategy_manager" not in both
