"""Shared output: one console, results as JSON, and errors (a paragraph, or a JSON envelope).

`--json` prints exactly one document on stdout: the command's result model
(`model_dump_json`, schemas in docs/schemas/), or on failure the error envelope
`{"error": {category, exit_code, message, context, suggested_action}}` with the same exit code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:  # pydantic and the result models load with the command that needs them
    from pydantic import BaseModel

    from alchemiser.application.error_handler import ErrorRecord

M = TypeVar("M", bound="BaseModel")

console = Console()
err_console = Console(stderr=True)


def print_model(model: BaseModel) -> None:
    """A result as its published JSON (decimals as exact strings), nothing else on stdout."""
    console.file.write(model.model_dump_json(indent=2) + "\n")
    console.file.flush()


def print_json(payload: Any) -> None:
    """Plain JSON for an output that is not one model: `symphony params --json`, a bare list of
    records (its schema: docs/schemas/symphony-params.json). Only JSON values are accepted: a
    value that is not one is a bug, not something to guess."""
    console.file.write(json.dumps(payload, indent=2) + "\n")
    console.file.flush()


def render_error(record: ErrorRecord, *, verbose: bool, json_output: bool = False) -> None:
    """One paragraph a person can act on (the traceback only when asked for), or with
    `json_output` the error envelope on stdout."""
    if json_output:
        from alchemiser.application.results.error import ErrorEnvelope

        print_model(
            ErrorEnvelope.of(
                record.category, record.message, record.context, record.suggested_action
            )
        )
        if verbose:
            err_console.print(record.traceback, markup=False, highlight=False)
        return
    where = ", ".join(f"{k}={v}" for k, v in record.context.items() if v is not None)
    # Styled by Text spans, never by markup: messages hold `[sleeves]`, `[then …]` literally.
    text = Text()
    text.append(f"{record.category.value.upper()} error", style="bold red")
    text.append(f": {record.message}")
    if where:
        text.append(f" ({where})", style="dim")
    text.append("\nWhat to do:", style="yellow")
    text.append(f" {record.suggested_action}")
    err_console.print(text, highlight=False, soft_wrap=True)
    if verbose:
        err_console.print(record.traceback, markup=False, highlight=False)


_ERROR_LOGGER = "alchemiser.application.error_handler"


@contextmanager
def errors_shown_by_result(*, keep_logs: bool) -> Iterator[None]:
    """While a command whose result lists every error runs, the error handler's log lines are
    not echoed on the terminal as well (one failure used to appear three times). With
    `keep_logs` (`--verbose`, JSON log lines for a collector) they stay."""
    root = logging.getLogger()
    if keep_logs or root.level <= logging.DEBUG:
        yield
        return

    def shown_elsewhere(record: logging.LogRecord) -> bool:
        return record.name != _ERROR_LOGGER

    handlers = list(root.handlers)
    for handler in handlers:
        handler.addFilter(shown_elsewhere)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(shown_elsewhere)


def emit(result: M, render: Callable[[M], None], *, json_output: bool) -> None:
    """`--json`: the model as JSON; otherwise the command's Rich renderer."""
    if json_output:
        print_model(result)
    else:
        render(result)
