"""Finished dashboard backtests as files (implements ports.BacktestArchive): `<id>.json` (the
job with its summary) and `<id>.html` (the tearsheet) in one directory under the data dir.
Written atomically (temporary file, then rename) so a crash never leaves half a job."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from pydantic import ValidationError

from alchemiser.application.results.dashboard import BacktestJobView
from alchemiser.domain.errors import ConfigurationError

_ID = re.compile(r"^bt-[0-9a-z-]{1,40}$")
log = logging.getLogger(__name__)


class FileBacktestArchive:
    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def save(self, job: BacktestJobView) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._path(job.job_id, ".json")
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(job.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, path)

    def jobs(self, limit: int) -> list[BacktestJobView]:
        if not self._dir.is_dir():
            return []
        found: list[BacktestJobView] = []
        # Ids start with the submission time, so the newest sort last.
        for path in sorted(self._dir.glob("bt-*.json"), reverse=True)[:limit]:
            try:
                found.append(BacktestJobView.model_validate_json(path.read_text("utf-8")))
            except (OSError, ValidationError) as exc:
                log.warning("skipping unreadable backtest %s: %s", path, exc)
        return found

    def report_path(self, job_id: str) -> Path:
        return self._path(job_id, ".html")

    def _path(self, job_id: str, suffix: str) -> Path:
        if not _ID.match(job_id):  # an id comes from a URL: never a path of its own
            raise ConfigurationError(
                f"{job_id!r} is not a backtest id",
                context={"backtest_id": job_id},
                suggested_action="Open the Backtests page for the list.",
            )
        return self._dir / f"{job_id}{suffix}"
