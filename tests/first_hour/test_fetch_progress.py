"""The fetch progress bar: drawn on a terminal, silent for --json and pipes, and harmless when
another bar (a backtest's) is already on screen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import Progress

from alchemiser.interface.cli import fetch_progress as module
from alchemiser.interface.cli.fetch_progress import FetchProgressBar


def _terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    monkeypatch.setattr(module, "err_console", console)
    return out


def test_a_terminal_sees_tickers_done_of_tickers_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _terminal(monkeypatch)
    with FetchProgressBar(enabled=True).track("yahoo: 58 tickers", 58) as advance:
        advance(16)
    text = out.getvalue()
    assert "yahoo: 58 tickers" in text
    assert "16/58" in text


def test_json_or_a_pipe_draws_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    out = _terminal(monkeypatch)
    assert not module.fetch_progress(json_output=True).enabled
    with FetchProgressBar(enabled=False).track("yahoo: 58 tickers", 58) as advance:
        advance(58)
    assert out.getvalue() == ""
    monkeypatch.setattr(module, "err_console", Console(file=io.StringIO(), force_terminal=False))
    assert not module.fetch_progress(json_output=False).enabled


def test_inside_another_bar_it_stays_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch)
    with (
        Progress(console=module.err_console, transient=True),
        FetchProgressBar(enabled=True).track("yahoo: 3 tickers", 3) as advance,
    ):
        advance(3)  # no LiveError (older Rich refuses a second live display)


class _StoppedError(Exception):
    """Raised by the stand-in source: the command has handed over what it hands over."""


@pytest.mark.parametrize(
    "argv",
    [
        ["signal"],
        ["trade", "--dry-run"],
        ["backtest", "--strategy", "tecl"],
        ["replay", "--start", "2024-01-02", "--end", "2024-01-05"],
    ],
)
def test_every_fetching_command_hands_the_source_a_bar_except_with_json(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from alchemiser import bootstrap
    from alchemiser.interface.cli.main import main

    monkeypatch.setenv("ALCHEMISER_DATA_DIR", str(tmp_path))
    handed: list[object] = []

    def source(*_args: object, progress: object = None, **_kwargs: object) -> object:
        handed.append(progress)
        raise _StoppedError

    monkeypatch.setattr(bootstrap, "market_data_source", source)
    main(argv)
    main([*argv, "--json"])
    assert [type(p).__name__ for p in handed] == ["FetchProgressBar"] * 2
    shown, hidden = handed
    assert isinstance(hidden, FetchProgressBar) and not hidden.enabled
    assert isinstance(shown, FetchProgressBar)
