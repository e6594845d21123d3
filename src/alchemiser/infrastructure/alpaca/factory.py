"""Builds the Alpaca broker from settings, refusing anything that could trade the wrong account.

Paper and live are different key pairs (ALPACA_API_KEY/ALPACA_SECRET_KEY for paper,
ALPACA_LIVE_API_KEY/ALPACA_LIVE_SECRET_KEY for live): live trading needs the caller's explicit
`live=True` (the CLI's `--live`) *and* the live pair; paper never falls back to live keys, never
takes a live key id (AK…) and only talks to the paper host or a loopback test double
(`endpoints.resolve_endpoint`, which names the setting to fix).
"""

from __future__ import annotations

from alchemiser.domain.errors import ConfigurationError
from alchemiser.infrastructure.alpaca.broker import AlpacaBroker, AlpacaEndpoints
from alchemiser.infrastructure.alpaca.endpoints import (
    ResolvedEndpoint,
    SettingNames,
    resolve_endpoint,
)
from alchemiser.infrastructure.config.settings import AlpacaKeys, Settings

PAPER_VARIABLES = ("ALPACA_API_KEY", "ALPACA_SECRET_KEY")
LIVE_VARIABLES = ("ALPACA_LIVE_API_KEY", "ALPACA_LIVE_SECRET_KEY")
URL_VARIABLES = ("ALCHEMISER_ALPACA_BASE_URL", "ALCHEMISER_ALPACA_STREAM_URL")


def build_alpaca_broker(settings: Settings, *, live: bool) -> AlpacaBroker:
    keys = settings.live_keys if live else settings.paper_keys
    variables = LIVE_VARIABLES if live else PAPER_VARIABLES
    api_key, secret_key = _required(keys, variables, live=live)
    check_alpaca_endpoint(settings, live=live, api_key=api_key)
    return AlpacaBroker(
        api_key,
        secret_key,
        live=live,
        settings=settings.alpaca,
        endpoints=AlpacaEndpoints(
            trading_url=settings.alpaca_base_url,
            data_url=settings.alpaca_data_url,
            stream_url=settings.alpaca_stream_url,
        ),
        feed=settings.market_data.alpaca_feed,
    )


def check_alpaca_endpoint(
    settings: Settings, *, live: bool, api_key: str | None = None
) -> ResolvedEndpoint:
    """The endpoint `trade` would use in this mode, or the ConfigurationError it would raise
    (`config check` calls this too, so the check and the run cannot disagree)."""
    if api_key is None:
        secret = (settings.live_keys if live else settings.paper_keys).api_key
        api_key = "" if secret is None else secret.get_secret_value()
    return resolve_endpoint(
        live=live,
        api_key=api_key,
        trading_url=settings.alpaca_base_url,
        stream_url=settings.alpaca_stream_url,
        names=SettingNames(
            api_key=(LIVE_VARIABLES if live else PAPER_VARIABLES)[0],
            trading_url=URL_VARIABLES[0],
            stream_url=URL_VARIABLES[1],
        ),
    )


def check_alpaca_settings(settings: Settings) -> None:
    """Raise what `trade` would raise about Alpaca keys and URLs, for every configured pair
    (the paper pair at least when Alpaca is the default broker)."""
    pairs = ((False, settings.paper_keys), (True, settings.live_keys))
    configured = [(live, keys) for live, keys in pairs if keys.api_key or keys.secret_key]
    if settings.broker == "alpaca" and not configured:
        configured = [(False, settings.paper_keys)]
    for live, keys in configured:
        api_key, _ = _required(keys, LIVE_VARIABLES if live else PAPER_VARIABLES, live=live)
        check_alpaca_endpoint(settings, live=live, api_key=api_key)


def _required(keys: AlpacaKeys, variables: tuple[str, str], *, live: bool) -> tuple[str, str]:
    missing = [
        name
        for name, value in zip(variables, (keys.api_key, keys.secret_key), strict=True)
        if value is None or not value.get_secret_value().strip()
    ]
    if missing:
        mode = "live" if live else "paper"
        raise ConfigurationError(
            f"Alpaca {mode} trading needs {' and '.join(missing)} (environment or .env)",
            context={"settings": missing},
            suggested_action=f"Set {' and '.join(variables)} to your Alpaca {mode} key pair.",
        )
    api_key, secret_key = keys.api_key, keys.secret_key
    assert api_key is not None
    assert secret_key is not None
    return api_key.get_secret_value().strip(), secret_key.get_secret_value().strip()
