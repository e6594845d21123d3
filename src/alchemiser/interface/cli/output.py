"""Shared rendering helpers: one console, JSON output, and the human error paragraph."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape

from alchemiser.application.error_handler import ErrorRecord

console = Console()
err_console = Console(stderr=True)


def print_json(payload: Any) -> None:
    """Machine-readable output: plain JSON on stdout, nothing else."""
    console.file.write(json.dumps(payload, indent=2, default=str) + "\n")
    console.file.flush()


def render_error(record: ErrorRecord, *, verbose: bool) -> None:
    """One paragraph a person can act on; the traceback only when asked for."""
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
