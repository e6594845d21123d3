"""Shared output: one console, results as JSON, and errors (a paragraph, or a JSON envelope).

`--json` prints exactly one document on stdout: the command's result model
(`model_dump_json`, schemas in docs/schemas/), or on failure the error envelope
`{"error": {category, exit_code, message, context, suggested_action}}` with the same exit code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape

from alchemiser.application.error_handler import ErrorRecord
from alchemiser.application.results.error import ErrorEnvelope

M = TypeVar("M", bound=BaseModel)

console = Console()
err_console = Console(stderr=True)


def print_model(model: BaseModel) -> None:
    """A result as its published JSON (decimals as exact strings), nothing else on stdout."""
    console.file.write(model.model_dump_json(indent=2) + "\n")
    console.file.flush()


def print_json(payload: Any) -> None:
    """Plain JSON for the few unpublished outputs (config show, data fetch/show, notify test).
    Only JSON values are accepted: a value that is not one is a bug, not something to guess."""
    console.file.write(json.dumps(payload, indent=2) + "\n")
    console.file.flush()


def render_error(record: ErrorRecord, *, verbose: bool, json_output: bool = False) -> None:
    """One paragraph a person can act on (the traceback only when asked for), or with
    `json_output` the error envelope on stdout."""
    if json_output:
        print_model(
            ErrorEnvelope.of(
                record.category, record.message, record.context, record.suggested_action
            )
        )
        if verbose:
            err_console.print(record.traceback, markup=False, highlight=False)
        return
    where = ", ".join(f"{k}={v}" for k, v in record.context.items() if v is not None)
    # escaped: messages quote user text such as `if[0].cond.rhs` or `alchemiser[ray]`, which
    # rich would otherwise read as markup and drop
    text = (
        f"[bold red]{record.category.value.upper()} error[/] in {escape(record.component)}: "
        f"{escape(record.message)}"
    )
    if where:
        text += f" [dim]({escape(where)})[/]"
    text += f"\n[yellow]What to do:[/] {escape(record.suggested_action)}"
    err_console.print(text, markup=True, highlight=False, soft_wrap=True)
    if verbose:
        err_console.print(record.traceback, markup=False, highlight=False)


def emit(result: M, render: Callable[[M], None], *, json_output: bool) -> None:
    """`--json`: the model as JSON; otherwise the command's Rich renderer."""
    if json_output:
        print_model(result)
    else:
        render(result)
