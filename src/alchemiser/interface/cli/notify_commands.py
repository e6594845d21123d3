"""`alchemiser notify test`: prove every configured channel works before a real alert needs it."""

from __future__ import annotations

import datetime as dt

import typer

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import Notification
from alchemiser.application.settings import NotificationEvent
from alchemiser.domain.errors import NotificationError
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, print_json
from alchemiser.interface.cli.render.lines import line

app = typer.Typer(help="Email and webhook notifications.", no_args_is_help=True)


@app.command("test")
def send_test(
    json_output: JsonFlag = False,
) -> None:
    """Send a test message through every configured channel and report each result."""
    settings = bootstrap.load_settings()
    errors = ErrorHandler(bootstrap.redactor_for(settings))
    dispatcher = bootstrap.notification_dispatcher(settings, errors)
    if not dispatcher.channels:
        raise NotificationError(
            "no notification channel is configured",
            suggested_action=(
                "Set ALCHEMISER_NOTIFICATIONS__EMAIL__ENABLED=true with the SMTP settings, "
                "or ALCHEMISER_NOTIFICATIONS__WEBHOOK__URL."
            ),
        )
    now = dt.datetime.now(dt.UTC)
    deliveries = dispatcher.dispatch(
        [
            Notification(
                event=NotificationEvent.TEST,
                subject="[Alchemiser] Test notification",
                body=f"This is a test sent at {now:%Y-%m-%d %H:%M:%S} UTC. It works.",
            )
        ]
    )
    if json_output:
        print_json(
            {
                "deliveries": [
                    {"channel": d.channel, "ok": d.ok, "detail": d.detail} for d in deliveries
                ]
            }
        )
    else:
        for d in deliveries:
            mark = ("sent", "green") if d.ok else ("failed", "red")
            detail = "" if d.ok else f": {d.detail}"
            console.print(line(f"{d.channel}: ", mark, detail))
    if not all(d.ok for d in deliveries):
        raise typer.Exit(NotificationError.category.exit_code)
