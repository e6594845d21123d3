"""The progress bar of long research runs: tasks done, variants per second and time left."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from alchemiser.interface.cli.output import err_console


class _RateColumn(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.1f} {self.unit}/s")


@contextmanager
def research_progress(
    description: str, *, unit: str, enabled: bool
) -> Iterator[Callable[[int, int], None]]:
    """A `(done, total)` callback drawing a bar on stderr (stdout stays clean for --json)."""
    if not enabled:
        yield lambda _done, _total: None
        return
    with Progress(
        TextColumn(f"{description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(unit),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        auto_refresh=False,  # no refresh thread: the local pool forks its workers
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)
            progress.refresh()

        yield update
