"""Builds the Alpaca broker from settings, refusing anything that could trade the wrong account.

Paper and live are different key pairs (ALPACA_API_KEY/ALPACA_SECRET_KEY for paper,
ALPACA_LIVE_API_KEY/ALPACA_LIVE_SECRET_KEY for live): live trading needs the caller's explicit
`live=True` (the CLI's `--live`) *and* the live pair; paper never falls back to live keys.
"""

from __future__ import annotations

from alchemiser.domain.errors import ConfigurationError
from alchemiser.infrastructure.alpaca.broker import AlpacaBroker, AlpacaEndpoints
from alchemiser.infrastructure.config.settings import AlpacaKeys, Settings

PAPER_VARIABLES = ("ALPACA_API_KEY", "ALPACA_SECRET_KEY")
LIVE_VARIABLES = ("ALPACA_LIVE_API_KEY", "ALPACA_LIVE_SECRET_KEY")
PAPER_KEY_PREFIX = "PK"
"""Alpaca issues paper key ids starting with PK (live ones start with AK)."""


def build_alpaca_broker(settings: Settings, *, live: bool) -> AlpacaBroker:
    keys = settings.live_keys if live else settings.paper_keys
    variables = LIVE_VARIABLES if live else PAPER_VARIABLES
    api_key, secret_key = _required(keys, variables, live=live)
    if live and api_key.startswith(PAPER_KEY_PREFIX):
        raise ConfigurationError(
            f"{LIVE_VARIABLES[0]} looks like a paper key (it starts with {PAPER_KEY_PREFIX}); "
            "live trading needs the live key pair",
            context={"setting": LIVE_VARIABLES[0]},
            suggested_action="Set the live key pair from the Alpaca live dashboard, or trade "
            "paper without --live.",
        )
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
