"""The Alpaca broker (paper and live) through the official alpaca-py."""

from alchemiser.infrastructure.alpaca.broker import AlpacaBroker, AlpacaEndpoints, MarketSession
from alchemiser.infrastructure.alpaca.factory import build_alpaca_broker

__all__ = ["AlpacaBroker", "AlpacaEndpoints", "MarketSession", "build_alpaca_broker"]
