"""Shared rendering helpers: one console, JSON output, and the human error paragraph."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

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
    text = (
        f"[bold red]{record.category.value.upper()} error[/] in {record.component}: "
        f"{record.message}"
    )
    if where:
        text += f" [dim]({where})[/]"
    text += f"\n[yellow]What to do:[/] {record.suggested_action}"
    err_console.print(text, markup=True, highlight=False, soft_wrap=True)
    if verbose:
        err_console.print(record.traceback, markup=False, highlight=False)
