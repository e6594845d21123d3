"""Writes each run report as a self-contained HTML file next to the ledger."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from alchemiser.application.notifications import Notification
from alchemiser.application.results.run import RunResult
from alchemiser.application.settings import NotificationEvent
from alchemiser.infrastructure.notifications.rendering import MessageRenderer


class RunReportWriter:
    def __init__(self, directory: Path, renderer: MessageRenderer) -> None:
        self._directory = directory
        self._renderer = renderer

    def write(self, report: RunResult) -> Path:
        """Same content as the email; returns the file's path for the terminal summary."""
        rendered = self._renderer.render(
            Notification(
                event=NotificationEvent.RUN_REPORT,
                subject=f"Alchemiser run {report.run_id}",
                report=report,
                errors=tuple(report.errors),
            )
        )
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._directory / f"run-{report.run_id}.html"
        fd, tmp = tempfile.mkstemp(dir=self._directory, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(rendered.html)
        os.replace(tmp, path)
        return path
