"""Issue 16, the smaller items: usage errors are usage errors (exit 2), a future date is
refused, the global flags work after the sub-command and `--help` reads like a CLI's help."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import typer

from alchemiser.interface.cli.main import app, main


def test_indicator_without_window_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicator", "rsi", "SPY"]) == 2
    err = capsys.readouterr().err
    assert "--window" in err
    assert "DATA" not in err and "Refresh" not in err


def test_windowless_indicator_needs_no_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicator", "current-price", "SPY"]) == 0
    assert "current-price of SPY" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["signal"], ["indicator", "rsi", "SPY", "--window", "3"]])
def test_future_as_of_is_refused(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert main([*command, "--as-of", future]) == 14
    out = capsys.readouterr()
    assert f"--as-of {future} is in the future" in out.err
    assert "Blended target" not in out.out


@pytest.mark.parametrize("flag", ["--verbose", "-v"])
def test_verbose_after_the_sub_command(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    # --verbose adds the traceback to an error: visible proof that the flag was taken.
    assert main(["config", "check", "--portfolio", "missing.toml", flag]) == 14
    err = capsys.readouterr().err
    assert "No such option" not in err
    assert "Traceback" in err


def test_verbose_after_a_double_dash_stays_an_argument() -> None:
    from alchemiser.interface.cli.main import _global_flags_first

    args = ["symphony", "check", "--", "--verbose"]
    assert _global_flags_first(args) == args
    assert _global_flags_first(["signal", "-q", "--json"]) == ["-q", "signal", "--json"]


def _every_command() -> list[list[str]]:
    found: list[list[str]] = [[]]

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return found


@pytest.mark.parametrize("command", _every_command(), ids=lambda c: " ".join(c) or "alchemiser")
def test_help_names_no_spec_section_and_no_python_types(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: alchemiser" in out
    assert "SPEC" not in out
    assert not re.findall(r"<(?:str|int|float|bool|path|list\[[^>]*\]|int range)>", out), out


def test_help_keeps_brackets_literal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["backtest", "--help"]) == 0
    assert "alchemiser[ray]" in capsys.readouterr().out
