"""`alchemiser notify test`: prove every configured channel works before a real alert needs it."""

from __future__ import annotations

import datetime as dt

import typer

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.results.notify import NotifyTestResult
from alchemiser.application.services.notify_test import notify_test
from alchemiser.domain.errors import NotificationError
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, emit

app = typer.Typer(help="Email and webhook notifications.", no_args_is_help=True)


@app.command("test")
def send_test(
    json_output: JsonFlag = False,
) -> None:
    """Send a test message through every configured channel and report each result
    (docs/schemas/notify-test.json); exit 15 when any channel failed."""
    settings = bootstrap.load_settings()
    dispatcher = bootstrap.notification_dispatcher(
        settings, ErrorHandler(bootstrap.redactor_for(settings))
    )
    result = notify_test(dispatcher, dt.datetime.now(dt.UTC))
    emit(result, _render, json_output=json_output)
    if not result.ok:
        raise typer.Exit(NotificationError.category.exit_code)


def _render(result: NotifyTestResult) -> None:
    for d in result.deliveries:
        mark = "[green]sent[/]" if d.ok else f"[red]failed[/]: {d.detail}"
        console.print(f"{d.channel}: {mark}")
