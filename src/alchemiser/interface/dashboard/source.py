"""Where the dashboard's data comes from: the same use cases the CLI calls (`status`,
`history`, `backtest`) and the dashboard's own (`DashboardService`, `BacktestJobs`), answered
as their published result models. The pages only render these."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Protocol

from alchemiser import bootstrap
from alchemiser.application.autopilot.status import AutopilotStatus, StatusReader
from alchemiser.application.backtest import BacktestResult
from alchemiser.application.results.backtest import BacktestSummary
from alchemiser.application.results.common import Record
from alchemiser.application.results.dashboard import (
    BacktestJobList,
    BacktestJobView,
    OverviewResult,
    SleevesResult,
)
from alchemiser.application.results.history import RunList, RunRecord
from alchemiser.application.results.status import StatusResult
from alchemiser.application.services.backtest import BacktestOptions, BacktestService
from alchemiser.application.services.backtest_jobs import BacktestJobs
from alchemiser.application.services.dashboard import DashboardService
from alchemiser.application.services.history import HistoryService
from alchemiser.application.services.status import StatusService
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.portfolio.sleeves import PortfolioSpec


class ModeView(Record):
    """What the banner says: which broker/mode and whether prices are synthetic."""

    broker: str
    mode: str
    data_source: str
    synthetic: bool


class DashboardSource(Protocol):
    def mode(self) -> ModeView: ...
    def status(self) -> StatusResult: ...
    def runs(self, limit: int) -> RunList: ...
    def run(self, run_id: str) -> RunRecord: ...
    def health(self) -> AutopilotStatus: ...
    def overview(self) -> OverviewResult: ...
    def sleeves(self) -> SleevesResult: ...
    def backtests(self) -> BacktestJobList: ...
    def backtest(self, job_id: str) -> BacktestJobView: ...
    def submit_backtest(self, subject: str, start: dt.date, end: dt.date) -> BacktestJobView: ...
    def tearsheet(self, job_id: str) -> Path: ...
    def redact(self, text: str) -> str: ...


class SettingsSource:
    """The configured account and ledger, opened per request exactly as `status`/`history`
    open them, so a page and `status --json` can never disagree."""

    def __init__(self, settings: bootstrap.Settings) -> None:
        self._settings = settings
        ledger = bootstrap.ledger(settings)
        self._history = HistoryService(ledger)
        self._dashboard = DashboardService(bootstrap.portfolio_history(ledger))
        self._redactor = bootstrap.redactor_for(settings)
        self._archive = bootstrap.backtest_archive(settings)
        self._jobs: BacktestJobs | None = None
        self._health: StatusReader | None = None
        self._jobs_lock = threading.Lock()

    def mode(self) -> ModeView:
        source = str(self._settings.market_data.source)
        broker = self._settings.broker
        return ModeView(
            broker=broker,
            mode="sim" if broker == "sim" else "paper",
            data_source=source,
            synthetic=source == "synthetic",
        )

    def status(self) -> StatusResult:
        settings = self._settings
        market = bootstrap.market_data_source(settings)
        with bootstrap.open_broker(settings, settings.broker, live=False, market=market) as b:
            return StatusService(b, bootstrap.ledger(settings)).status(
                bootstrap.portfolio_of(settings).allocations, synthetic=market.synthetic
            )

    def runs(self, limit: int) -> RunList:
        return self._history.runs(limit)

    def run(self, run_id: str) -> RunRecord:
        return self._history.run(run_id)

    def health(self) -> AutopilotStatus:
        """What `autopilot status --json` reports (from the ledger; no running autopilot needed)."""
        from alchemiser.application.autopilot.runtime import account_name

        with self._jobs_lock:
            if self._health is None:  # built once: it opens the ledger (migrations, checks)
                settings = self._settings
                account = account_name(settings.broker, live=False)
                self._health = bootstrap.autopilot_status_reader(
                    settings, account, bootstrap.system_clock()
                )
        return self._health.read()

    def overview(self) -> OverviewResult:
        return self._dashboard.overview(self.status())

    def sleeves(self) -> SleevesResult:
        return self._dashboard.sleeves(self.status())

    def backtests(self) -> BacktestJobList:
        return self._backtest_jobs().jobs()

    def backtest(self, job_id: str) -> BacktestJobView:
        return self._backtest_jobs().job(job_id)

    def submit_backtest(self, subject: str, start: dt.date, end: dt.date) -> BacktestJobView:
        return self._backtest_jobs().submit(subject, start, end)

    def tearsheet(self, job_id: str) -> Path:
        job = self.backtest(job_id)
        path = self._archive.report_path(job.job_id)
        if not job.tearsheet or not path.is_file():
            raise ConfigurationError(
                f"backtest {job_id} has no tearsheet",
                context={"backtest_id": job_id},
                suggested_action="Open the backtest's page: it failed or is still running.",
            )
        return path

    def wait_for_backtest(self, job_id: str, timeout: float) -> BacktestJobView:
        return self._backtest_jobs().wait(job_id, timeout)

    def redact(self, text: str) -> str:
        return self._redactor(text)

    def _backtest_jobs(self) -> BacktestJobs:
        """One job runner per dashboard (its one-at-a-time bound holds across requests)."""
        with self._jobs_lock:
            if self._jobs is None:
                self._jobs = self._make_jobs()
            return self._jobs

    def _make_jobs(self) -> BacktestJobs:
        settings = self._settings
        spec: PortfolioSpec = bootstrap.portfolio_of(settings)
        service = BacktestService(
            bootstrap.market_data_source(settings),
            bootstrap.load_symphony,
            history_years=settings.market_data.history_years,
            tearsheet=_write_tearsheet,
        )

        def run(portfolio: PortfolioSpec, options: BacktestOptions) -> BacktestSummary:
            return service.run(portfolio, options)

        options = BacktestOptions(risk=bootstrap.risk_settings(settings, spec).limits())
        return BacktestJobs(
            run,
            spec,
            self._archive,
            options=options,
            now=lambda: dt.datetime.now(dt.UTC),
            redact=self._redactor,
        )


def _write_tearsheet(result: BacktestResult, path: Path, *, log_scale: bool) -> Path:
    from alchemiser.interface.reports.tearsheet import write_tearsheet  # plotly: only when asked

    return write_tearsheet(result, path, log_scale=log_scale)
