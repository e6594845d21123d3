"""The port through which research work is spread: one process, a local pool or a cluster."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from alchemiser.application.research.models import VariantResult
from alchemiser.application.research.work import ResearchJob, ResearchTask

Progress = Callable[[int, int], None]
"""Called with (tasks done, tasks in all) as results come back."""


class ResearchExecutor(Protocol):
    """Runs `run_batch` over the tasks somewhere and returns one row per task, in task order.

    Implementations ship `job` to each worker once (it holds the price history) and send tasks
    in batches large enough that scheduling stays a small share of the work.
    """

    @property
    def name(self) -> str:
        """What the reports print, e.g. "local pool (2 processes)"."""
        ...

    def run(
        self,
        job: ResearchJob,
        tasks: Sequence[ResearchTask],
        progress: Progress | None = None,
    ) -> list[VariantResult]: ...


class InProcessExecutor:
    """Everything in the calling process: the baseline the others are measured against, and
    what a one-core machine or a tiny sweep uses."""

    name = "single process"

    def run(
        self,
        job: ResearchJob,
        tasks: Sequence[ResearchTask],
        progress: Progress | None = None,
    ) -> list[VariantResult]:
        from alchemiser.application.research.work import run_task

        out: list[VariantResult] = []
        for task in tasks:
            out.append(run_task(job, task))
            if progress is not None:
                progress(len(out), len(tasks))
        return out


def batch_size(tasks: int, workers: int, *, per_worker: int = 4, cap: int | None = None) -> int:
    """Tasks per batch: about `per_worker` batches for each worker, so a slow batch near the end
    does not leave the others idle, and few enough that per-batch overhead stays small."""
    size = max(1, -(-tasks // max(1, workers * per_worker)))
    return min(size, cap) if cap else size
