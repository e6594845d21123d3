"""Adapters behind the ports: Alpaca, market data sources, cache, ledger, email, configuration."""
