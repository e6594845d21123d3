"""`alchemiser dashboard`: the local web page over `status` and `history`."""

from __future__ import annotations

from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.interface.dashboard.server import check_bind


def dashboard(
    *,
    host: Annotated[
        str | None, typer.Option("--host", help="Interface (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="TCP port (default 8050).")] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Required on every request (Bearer or ?token=); env ALCHEMISER_DASHBOARD__TOKEN.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the read-only dashboard (Overview, Runs, /api/…); off loopback it needs a token."""
    import uvicorn

    from alchemiser.interface.dashboard.app import create_app
    from alchemiser.interface.dashboard.source import SettingsSource

    settings = bootstrap.load_settings()
    configured = settings.dashboard
    chosen_host = host or configured.host
    chosen_token = token or (configured.token.get_secret_value() if configured.token else None)
    check_bind(chosen_host, chosen_token)
    app = create_app(SettingsSource(settings), token=chosen_token)
    uvicorn.run(app, host=chosen_host, port=port or configured.port, log_level="warning")
