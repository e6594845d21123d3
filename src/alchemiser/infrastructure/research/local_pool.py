"""The default executor: a pool of local processes, one per core.

The job (price history and base symphonies) is sent to each worker once, through the pool's
initializer; tasks then travel in batches. On Linux workers are forked (ready in milliseconds,
the engine already imported; the CLI's progress bar runs no thread, so nothing is forked
mid-lock); elsewhere they are spawned and import the engine themselves.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from alchemiser.application.research.executor import InProcessExecutor, Progress, batch_size
from alchemiser.application.research.models import VariantResult
from alchemiser.application.research.work import ResearchJob, ResearchTask, run_batch

_worker_job: list[ResearchJob] = []


def _initialise(job: ResearchJob) -> None:
    _worker_job[:] = [job]


def _run(tasks: Sequence[ResearchTask]) -> list[VariantResult]:
    return run_batch(_worker_job[0], tasks)


class LocalPoolExecutor:
    """`workers` processes (default: every core); one worker runs in-process."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)

    @property
    def name(self) -> str:
        return f"local pool ({self.workers} process{'es' if self.workers > 1 else ''})"

    def run(
        self,
        job: ResearchJob,
        tasks: Sequence[ResearchTask],
        progress: Progress | None = None,
    ) -> list[VariantResult]:
        workers = min(self.workers, len(tasks))
        if workers <= 1:
            return InProcessExecutor().run(job, tasks, progress)
        # small batches keep the progress bar moving; a batch of KLM is still ~1 s of work
        size = batch_size(len(tasks), workers, per_worker=8)
        batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        rows: list[VariantResult] = []
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_initialise, initargs=(job,)
        )
        try:
            pending: set[Future[list[VariantResult]]] = {pool.submit(_run, b) for b in batches}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    rows.extend(future.result())
                if progress is not None:
                    progress(len(rows), len(tasks))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return sorted(rows, key=lambda r: r.index)
