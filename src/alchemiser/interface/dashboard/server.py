"""Serving the dashboard: safe by default (loopback), and never off loopback without a token."""

from __future__ import annotations

import ipaddress

from alchemiser.domain.errors import ConfigurationError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name could resolve anywhere: treat it as exposed


def check_bind(host: str, token: str | None) -> None:
    """Refuse to expose the account beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise ConfigurationError(
            f"the dashboard would listen on {host} without a token",
            context={"key": "dashboard.host", "host": host},
            suggested_action=(
                "Bind to 127.0.0.1 (the default), or set a token with --token or "
                "ALCHEMISER_DASHBOARD__TOKEN."
            ),
        )
