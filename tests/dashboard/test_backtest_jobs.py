"""Backtests from the dashboard: bounded (one at a time, at most MAX_YEARS), run in a worker
thread, kept across restarts, failures shown with what to do. The runner is a double that
blocks until released, as a real backtest takes time."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from alchemiser.application.results.backtest import BacktestSummary, MetricsView
from alchemiser.application.services.backtest import BacktestOptions
from alchemiser.application.services.backtest_jobs import MAX_YEARS, BacktestJobs
from alchemiser.domain.errors import ConfigurationError, DataError
from alchemiser.domain.portfolio.sleeves import PortfolioSpec, SleeveSpec
from alchemiser.infrastructure.backtest_archive import FileBacktestArchive

pytestmark = pytest.mark.timeout(30)

SPEC = PortfolioSpec((SleeveSpec("a", "tecl", 0.6), SleeveSpec("b", "nuclear", 0.4)))
START, END = dt.date(2023, 1, 3), dt.date(2024, 1, 3)
NO_METRICS = MetricsView(**dict.fromkeys(MetricsView.model_fields))  # type: ignore[arg-type]


def _summary(options: BacktestOptions) -> BacktestSummary:
    assert options.start is not None and options.end is not None
    return BacktestSummary(
        start=options.start,
        end=options.end,
        first_defined=options.start,
        warmup_sessions=0,
        sessions=250,
        capital=options.capital,
        final_equity=123_456.0,
        metrics=NO_METRICS,
        costs=0.0,
        cost_breakdown={},
        traded_value=0.0,
        turnover=0.0,
        benchmark=None,
        benchmark_metrics=None,
        source="test",
        synthetic=True,
        sleeves=[],
        notes=[],
    )


class GatedRunner:
    def __init__(self, fail: Exception | None = None) -> None:
        self.release = threading.Event()
        self.calls: list[tuple[PortfolioSpec, BacktestOptions]] = []
        self.fail = fail

    def __call__(self, spec: PortfolioSpec, options: BacktestOptions) -> BacktestSummary:
        self.calls.append((spec, options))
        assert self.release.wait(10), "never released"
        if self.fail is not None:
            raise self.fail
        assert options.report is not None
        options.report.write_text("<html>tearsheet</html>")
        return _summary(options)


def _jobs(runner: GatedRunner, directory: Path) -> BacktestJobs:
    return BacktestJobs(
        runner,
        SPEC,
        FileBacktestArchive(directory),
        options=BacktestOptions(capital=50_000.0),
        now=lambda: dt.datetime.now(dt.UTC),
        redact=lambda text: text.replace("s3cret", "***"),
    )


def test_one_at_a_time_in_a_worker_thread_and_kept_across_restarts(tmp_path: Path) -> None:
    runner = GatedRunner()
    jobs = _jobs(runner, tmp_path)
    job = jobs.submit("a", START, END)
    assert job.state == "running"
    assert jobs.jobs().jobs[0].job_id == job.job_id  # listed while it runs
    with pytest.raises(ConfigurationError, match="already running"):
        jobs.submit("portfolio", START, END)
    runner.release.set()
    done = jobs.wait(job.job_id, 10)
    assert done.state == "done" and done.tearsheet and done.summary is not None
    assert done.summary.final_equity == 123_456.0
    spec, options = runner.calls[0]
    assert [(s.name, s.symphony, s.allocation) for s in spec.sleeves] == [("a", "tecl", 1.0)]
    assert (options.start, options.end, options.capital) == (START, END, 50_000.0)
    # The next one may start now; a fresh runner over the same directory lists both.
    second = jobs.submit("portfolio", START, END)
    jobs.wait(second.job_id, 10)
    assert runner.calls[1][0] == SPEC
    restarted = _jobs(GatedRunner(), tmp_path).jobs()
    assert {j.job_id for j in restarted.jobs} == {job.job_id, second.job_id}
    assert restarted.subjects == ["portfolio", "a", "b"]


def test_a_failed_backtest_is_kept_with_what_to_do_and_secrets_redacted(tmp_path: Path) -> None:
    runner = GatedRunner(fail=DataError("no bars for XYZ (key s3cret)", context={"ticker": "XYZ"}))
    jobs = _jobs(runner, tmp_path)
    runner.release.set()
    job = jobs.wait(jobs.submit("b", START, END).job_id, 10)
    assert job.state == "failed" and job.error is not None and not job.tearsheet
    assert job.error.category.value == "data" and "s3cret" not in job.error.message
    assert job.error.suggested_action
    crash = GatedRunner(fail=RuntimeError("boom"))
    crash.release.set()
    other = _jobs(crash, tmp_path / "other")
    crashed = other.wait(other.submit("b", START, END).job_id, 10)
    assert crashed.state == "failed" and crashed.error is not None
    assert "boom" in crashed.error.message


@pytest.mark.parametrize(
    ("subject", "start", "end", "message"),
    [
        ("portfolio", END, START, "before it starts"),
        ("portfolio", START, START, "before it starts"),
        ("portfolio", dt.date(2000, 1, 3), dt.date(2000 + MAX_YEARS, 6, 1), "at most"),
        ("nope", START, END, "no sleeve 'nope'"),
    ],
)
def test_bounds(tmp_path: Path, subject: str, start: dt.date, end: dt.date, message: str) -> None:
    runner = GatedRunner()
    with pytest.raises(ConfigurationError, match=message):
        _jobs(runner, tmp_path).submit(subject, start, end)
    assert runner.calls == []


def test_the_archive_never_takes_a_path_from_an_id(tmp_path: Path) -> None:
    archive = FileBacktestArchive(tmp_path)
    for bad in ("../x", "bt-../../etc", "x", "bt-a/b"):
        with pytest.raises(ConfigurationError):
            archive.report_path(bad)
    jobs = _jobs(GatedRunner(), tmp_path)
    with pytest.raises(ConfigurationError, match="no backtest"):
        jobs.job("bt-20200101-000000-abcdef")
