"""Market data adapters (SPEC §8.2–8.4).

- `synthetic` (+ `synthetic_factors`, `synthetic_profiles`): the offline default market.
- `files_source`, `yahoo_source`, `alpaca_source`: the user's files, Yahoo, Alpaca.
- `parquet_cache` + `cached_source`: the local cache every non-synthetic source sits behind.
- `factory`: `--source` / settings spec → source (used by `alchemiser.bootstrap`).

Decisions where the spec is silent: the synthetic market gives every ticker full history from
1998 (no listing dates), so strategies are defined from the first warm-up; a cached source
answers `start=None` with `market_data.history_years` of history; only completed sessions are
cached, today's price comes from `latest_prices`.
"""
