"""Logging: a run id on every line, JSON lines on request, secrets masked everywhere."""

from __future__ import annotations

import json
import logging
import sys
import warnings
from typing import TextIO

from alchemiser.application.run_context import current_run_id
from alchemiser.domain.redaction import Redactor


class RunContextFilter(logging.Filter):
    """Stamps each record with the run id and masks secrets in its final message."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = current_run_id.get()
        record.msg = self._redactor(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self._redactor(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "run_id": getattr(record, "run_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(run_id)s] %(name)s: %(message)s"


class OwnRecordsOnly(logging.Filter):
    """Drops what libraries log (yfinance, urllib3, curl_cffi, alpaca-py, …): their warnings
    about a failed request repeat, once per ticker and attempt, an error we report once in our
    own words. `--verbose` shows them again."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == OWN or record.name.startswith(OWN + ".")


OWN = "alchemiser"


def configure_logging(
    *,
    level: int,
    json_lines: bool,
    redactor: Redactor,
    stream: TextIO | None = None,
    third_party: bool = True,
) -> logging.Handler:
    """Replace the root handlers with one that carries the run id and masks secrets.

    `third_party=False` keeps libraries' log records and Python warnings raised inside
    libraries (pandas deprecations seen through yfinance) off the output."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if not third_party:
        handler.addFilter(OwnRecordsOnly())
        # a warning attributed to a library module; ours (alchemiser.*) still show
        warnings.filterwarnings("ignore", module=rf"(?!{OWN}(\.|$))")
    handler.addFilter(RunContextFilter(redactor))
    handler.setFormatter(JsonLinesFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
