"""After every trading run: send its report and file it (SPEC §9).

The report *is* the run's `RunResult`: email, webhook, HTML file and terminal render the same
model, so they cannot disagree. Delivery failures become NOTIFICATION records in the run's ledger
entry and never change the run's outcome: the trades happened and are reported as they were.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import NotificationDispatcher, run_notifications
from alchemiser.application.ports.ledger import Ledger
from alchemiser.application.results.run import RunResult
from alchemiser.domain.errors import AlchemiserError, NotificationError


class ReportFileWriter(Protocol):
    def write(self, report: RunResult) -> Path: ...


def publish_run_report(
    report: RunResult,
    *,
    dispatcher: NotificationDispatcher,
    ledger: Ledger,
    errors: ErrorHandler,
    write_file: ReportFileWriter | None,
) -> Path | None:
    """Email/webhook the report and write its HTML file; returns the file's path if written."""
    already = len(errors.records)
    dispatcher.dispatch(run_notifications(report))
    path = None
    if write_file is not None:
        try:
            path = write_file.write(report)
        except (AlchemiserError, OSError) as exc:
            errors.handle(
                NotificationError(f"could not write the run report: {exc}"), component="report"
            )
    for record in errors.records[already:]:
        ledger.record_error(report.run_id, record.as_dict())
    return path
