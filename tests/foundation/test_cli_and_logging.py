"""CLI conventions (version, exit codes, verbose tracebacks) and the logging setup."""

from __future__ import annotations

import io
import json
import logging

import pytest

from alchemiser import __version__
from alchemiser.application.run_context import current_run_id, new_run_id
from alchemiser.domain.redaction import Redactor, mask_identifier
from alchemiser.infrastructure.logging_setup import configure_logging
from alchemiser.interface.cli.main import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"alchemiser {__version__}"


def test_unknown_command_is_a_usage_error() -> None:
    assert main(["no-such-command"]) == 2


def test_traceback_only_with_verbose(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALCHEMISER_EXECUTION__LIMIT_STEPS", "0")
    assert main(["config", "check"]) == 14
    assert "Traceback" not in capsys.readouterr().err
    monkeypatch.delenv("ALCHEMISER_EXECUTION__LIMIT_STEPS")
    monkeypatch.setenv("ALCHEMISER_PORTFOLIO_FILE", "missing.toml")
    assert main(["--verbose", "config", "check"]) == 14
    assert "Traceback" in capsys.readouterr().err


def _log_through(json_lines: bool, message: str, *args: object) -> str:
    stream = io.StringIO()
    handler = configure_logging(
        level=logging.INFO,
        json_lines=json_lines,
        redactor=Redactor(["hunter2-secret"]),
        stream=stream,
    )
    token = current_run_id.set("20261124T150000Z-abc123")
    try:
        logging.getLogger("alchemiser.test").info(message, *args)
    finally:
        current_run_id.reset(token)
        logging.getLogger().removeHandler(handler)
    return stream.getvalue()


def test_text_log_has_run_id_and_masks_secrets() -> None:
    line = _log_through(False, "auth with %s failed", "hunter2-secret")
    assert "[20261124T150000Z-abc123]" in line
    assert "hunter2-secret" not in line
    assert "auth with *** failed" in line


def test_json_lines() -> None:
    record = json.loads(_log_through(True, "key=%s", "hunter2-secret"))
    assert record["run_id"] == "20261124T150000Z-abc123"
    assert record["message"] == "key=***"
    assert record["level"] == "INFO"


def test_run_ids_are_unique_and_sortable() -> None:
    ids = {new_run_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 23 and i[8] == "T" for i in ids)


def test_mask_identifier() -> None:
    assert mask_identifier("PA3XYZ12345") == "***2345"
    assert mask_identifier("123") == "***"
