"""The progress bar of network fetches (Yahoo, Alpaca): tickers arrived of tickers asked.

Drawn on stderr and only on a terminal, never with --json, so stdout stays one document and a
cron log stays free of bar redraws. Implements the `FetchProgress` port structurally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.errors import LiveError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alchemiser.interface.cli.output import err_console


class FetchProgressBar:
    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled

    @contextmanager
    def track(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        if not self.enabled or total < 2:  # one ticker: nothing worth a bar
            yield lambda _done: None
            return
        progress = Progress(
            TextColumn(description),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        try:
            progress.start()
        except LiveError:  # Rich < 14: another bar (a backtest's) is on screen and shows progress
            yield lambda _done: None
            return
        try:
            task = progress.add_task(description, total=total)
            yield lambda done: progress.update(task, completed=done)
        finally:
            progress.stop()


def fetch_progress(*, json_output: bool) -> FetchProgressBar:
    """A bar when a person watches stderr; silent for --json and pipes."""
    return FetchProgressBar(enabled=err_console.is_terminal and not json_output)
