"""Which Alpaca account a configuration reaches, and the refusals that keep paper off real money.

Paper mode may only talk to the paper host or a loopback address (a local test double) and
refuses a live key id (`AK…`); live mode refuses a paper key id (`PK…`) and the paper host. The
mode recorded with every run is derived from the endpoint actually used, not from the flag the
user passed, so a ledger can never say "paper" about an order that went to the live host.
Errors name the setting and never echo a key (only a URL's scheme, host and port).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from alchemiser.domain.errors import ConfigurationError

PAPER_HOST = "paper-api.alpaca.markets"
LIVE_HOST = "api.alpaca.markets"
PAPER_TRADING_URL = f"https://{PAPER_HOST}"
LIVE_TRADING_URL = f"https://{LIVE_HOST}"
PAPER_KEY_PREFIX = "PK"
LIVE_KEY_PREFIX = "AK"
"""Alpaca issues paper key ids starting with PK and live key ids starting with AK."""

Mode = Literal["paper", "live"]


@dataclass(frozen=True, slots=True)
class SettingNames:
    """How the user spells each setting, so an error names the one to fix."""

    api_key: str = "api_key"
    trading_url: str = "trading_url"
    stream_url: str = "stream_url"


@dataclass(frozen=True, slots=True)
class ResolvedEndpoint:
    """The trading URL that will be used and the account mode it belongs to."""

    trading_url: str
    mode: Mode


def resolve_endpoint(
    *,
    live: bool,
    api_key: str,
    trading_url: str | None,
    stream_url: str | None = None,
    names: SettingNames = SettingNames(),
) -> ResolvedEndpoint:
    """The endpoint for `live`/paper, or a ConfigurationError naming the offending setting."""
    mode: Mode = "live" if live else "paper"
    key = api_key.strip()
    if not live and key.upper().startswith(LIVE_KEY_PREFIX):
        raise ConfigurationError(
            f"{names.api_key} is a live key id (it starts with {LIVE_KEY_PREFIX}); paper trading "
            "refuses live keys so that real money is never traded without --live",
            context={"setting": names.api_key},
            suggested_action="Use the paper key pair from the Alpaca paper dashboard, or trade "
            "live explicitly with --live and the live key pair.",
        )
    if live and key.upper().startswith(PAPER_KEY_PREFIX):
        raise ConfigurationError(
            f"{names.api_key} looks like a paper key (it starts with {PAPER_KEY_PREFIX}); "
            "live trading needs the live key pair",
            context={"setting": names.api_key},
            suggested_action="Set the live key pair from the Alpaca live dashboard, or trade "
            "paper without --live.",
        )
    url = (trading_url or "").strip() or (LIVE_TRADING_URL if live else PAPER_TRADING_URL)
    _check_url(url, mode=mode, setting=names.trading_url, schemes=("https", "http"))
    if stream_url:
        _check_url(stream_url.strip(), mode=mode, setting=names.stream_url, schemes=("wss", "ws"))
    return ResolvedEndpoint(trading_url=url.rstrip("/"), mode=mode_of(url, live=live))


def mode_of(url: str, *, live: bool) -> Mode:
    """The account a URL reaches: the paper host is paper, a loopback double is what the caller
    asked for, anything else (Alpaca's live host, a proxy in front of it) is live money."""
    host = (urlsplit(url).hostname or "").lower()
    if host == PAPER_HOST:
        return "paper"
    if _is_loopback(host):
        return "live" if live else "paper"
    return "live"


def _check_url(url: str, *, mode: Mode, setting: str, schemes: tuple[str, ...]) -> None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    shown = _shown(url)
    if parts.scheme not in schemes or not host:
        raise ConfigurationError(
            f"{setting} must be a {' or '.join(schemes)} URL with a host, got {shown}",
            context={"setting": setting, "url": shown},
        )
    if mode == "paper" and host != PAPER_HOST and not _is_loopback(host):
        raise ConfigurationError(
            f"{setting} points at {shown}: paper trading only talks to {PAPER_HOST} or a "
            "loopback address, so that real money is never traded without --live",
            context={"setting": setting, "url": shown},
            suggested_action=f"Unset {setting} (Alpaca's paper host is the default), or trade "
            "live explicitly with --live.",
        )
    if mode == "live" and host == PAPER_HOST:
        raise ConfigurationError(
            f"{setting} points at the paper host {PAPER_HOST} but --live was given: live trading "
            "would be recorded as live while trading paper",
            context={"setting": setting, "url": shown},
            suggested_action=f"Unset {setting} for live trading, or trade paper without --live.",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _shown(url: str) -> str:
    """scheme://host:port only: user:password@ and query strings stay out of messages."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "(not a URL)"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ":(invalid port)"
    return f"{parts.scheme}://{parts.hostname}{port}"
