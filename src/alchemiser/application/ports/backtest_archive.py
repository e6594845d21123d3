"""Port: where finished dashboard backtests are kept (their summary and HTML tearsheet), so
the Backtests page lists earlier ones after a restart. Implemented by
infrastructure.backtest_archive (files under the data dir)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from alchemiser.application.results.dashboard import BacktestJobView


class BacktestArchive(Protocol):
    def save(self, job: BacktestJobView) -> None: ...

    def jobs(self, limit: int) -> list[BacktestJobView]:
        """The newest `limit` finished jobs, newest first (unreadable entries are skipped)."""
        ...

    def report_path(self, job_id: str) -> Path:
        """Where the job's tearsheet is (to be) written."""
        ...
