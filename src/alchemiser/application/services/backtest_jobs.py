"""Backtests started from the dashboard: the one thing the otherwise read-only dashboard does.

A backtest takes seconds to minutes, so it runs in a worker thread and the page polls its job.
Bounded so a page (or a stray request) cannot tie up the machine that trades: one job at a time
and a range of at most MAX_YEARS. It only reads market data and writes its own summary and
tearsheet (never the ledger, the broker or settings).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace

from alchemiser.application.ports.backtest_archive import BacktestArchive
from alchemiser.application.results.backtest import BacktestSummary
from alchemiser.application.results.common import ErrorView
from alchemiser.application.results.dashboard import BacktestJobList, BacktestJobView
from alchemiser.application.services.backtest import BacktestOptions
from alchemiser.domain.errors import AlchemiserError, ConfigurationError, ErrorCategory
from alchemiser.domain.portfolio.sleeves import PortfolioSpec, SleeveSpec

MAX_YEARS = 10
PORTFOLIO = "portfolio"
LISTED = 50

Runner = Callable[[PortfolioSpec, BacktestOptions], BacktestSummary]
"""BacktestService.run (with its tearsheet writer)."""


class BacktestJobs:
    def __init__(
        self,
        runner: Runner,
        portfolio: PortfolioSpec,
        archive: BacktestArchive,
        *,
        options: BacktestOptions,
        now: Callable[[], dt.datetime],
        redact: Callable[[str], str] = lambda text: text,
    ) -> None:
        self._runner = runner
        self._portfolio = portfolio
        self._archive = archive
        self._options = options
        self._now = now
        self._redact = redact
        self._lock = threading.Lock()
        self._active: BacktestJobView | None = None
        self._threads: dict[str, threading.Thread] = {}

    def subjects(self) -> list[str]:
        return [PORTFOLIO, *(s.name for s in self._portfolio.sleeves)]

    def jobs(self) -> BacktestJobList:
        with self._lock:
            active = [self._active] if self._active is not None else []
        return BacktestJobList(
            jobs=active + self._archive.jobs(LISTED),
            subjects=self.subjects(),
            max_years=MAX_YEARS,
        )

    def job(self, job_id: str) -> BacktestJobView:
        with self._lock:
            if self._active is not None and self._active.job_id == job_id:
                return self._active
        for job in self._archive.jobs(LISTED):
            if job.job_id == job_id:
                return job
        raise ConfigurationError(
            f"no backtest {job_id!r}",
            context={"backtest_id": job_id},
            suggested_action="Open the Backtests page for the list.",
        )

    def submit(self, subject: str, start: dt.date, end: dt.date) -> BacktestJobView:
        """Queue a backtest of the portfolio or one sleeve over [start, end]; it runs in a
        worker thread. Refused while another one runs, or over more than MAX_YEARS."""
        spec = self._spec(subject)
        _check_range(start, end)
        job_id = f"bt-{self._now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        options = replace(
            self._options, start=start, end=end, report=self._archive.report_path(job_id)
        )
        job = BacktestJobView(
            job_id=job_id,
            subject=subject,
            start=start,
            end=end,
            state="running",
            submitted_at=self._now(),
            finished_at=None,
            summary=None,
            error=None,
            tearsheet=False,
        )
        with self._lock:
            if self._active is not None:
                raise ConfigurationError(
                    f"a backtest is already running ({self._active.job_id})",
                    context={"backtest_id": self._active.job_id},
                    suggested_action="Wait for it to finish, then start the next one.",
                )
            self._active = job
            thread = threading.Thread(
                target=self._work, args=(job, spec, options), name=job_id, daemon=True
            )
            self._threads[job_id] = thread
        thread.start()
        return job

    def wait(self, job_id: str, timeout: float) -> BacktestJobView:
        """Block until the job is finished (or `timeout` seconds): for tests and scripts."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.job(job_id)

    def _work(self, job: BacktestJobView, spec: PortfolioSpec, options: BacktestOptions) -> None:
        try:
            summary = self._runner(spec, options)
            done = job.model_copy(
                update={
                    "state": "done",
                    "summary": summary,
                    "finished_at": self._now(),
                    "tearsheet": options.report is not None,
                }
            )
        except Exception as exc:  # a failed backtest is shown on its page, never lost
            done = job.model_copy(
                update={
                    "state": "failed",
                    "error": _error(exc, self._redact),
                    "finished_at": self._now(),
                }
            )
        try:
            self._archive.save(done)
        finally:
            with self._lock:
                self._active = None
                self._threads.pop(job.job_id, None)

    def _spec(self, subject: str) -> PortfolioSpec:
        if subject == PORTFOLIO:
            return self._portfolio
        for sleeve in self._portfolio.sleeves:
            if sleeve.name == subject:
                alone = SleeveSpec(sleeve.name, sleeve.symphony, 1.0)
                return PortfolioSpec((alone,), source=self._portfolio.source)
        raise ConfigurationError(
            f"no sleeve {subject!r} to backtest",
            context={"sleeve": subject},
            suggested_action=f"Choose one of: {', '.join(self.subjects())}.",
        )


def _check_range(start: dt.date, end: dt.date) -> None:
    if end <= start:
        raise ConfigurationError(
            f"the backtest ends ({end}) before it starts ({start})",
            context={"start": start.isoformat(), "end": end.isoformat()},
            suggested_action="Pick an end date after the start date.",
        )
    if (end - start).days > round(365.25 * MAX_YEARS):
        raise ConfigurationError(
            f"the dashboard backtests at most {MAX_YEARS} years ({start} to {end} is longer)",
            context={"start": start.isoformat(), "end": end.isoformat()},
            suggested_action="Shorten the range, or run `alchemiser backtest` for longer ones.",
        )


def _error(exc: Exception, redact: Callable[[str], str]) -> ErrorView:
    if isinstance(exc, AlchemiserError):
        return ErrorView(
            category=exc.category,
            component=exc.component or "backtest",
            message=redact(exc.message),
            context={k: redact(str(v)) for k, v in exc.context.items()},
            suggested_action=exc.suggested_action,
        )
    return ErrorView(
        category=ErrorCategory.CRITICAL,
        component="backtest",
        message=redact(f"{type(exc).__name__}: {exc}"),
        context={},
        suggested_action="Run the same backtest with `alchemiser backtest` to see the details.",
    )
