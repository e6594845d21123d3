"""Turn a source spec ("synthetic", "yahoo", "alpaca", "files:PATH") into a `MarketDataSource`.

The spec grammar is shared by settings (`market_data.source` + `market_data.files_dir`) and every
command's `--source` option, so `--source files:~/exports` works wherever a source is asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from alchemiser.application.ports.market_data import FetchProgress, MarketDataSource
from alchemiser.application.settings import DataSourceName
from alchemiser.domain.errors import ConfigurationError
from alchemiser.infrastructure.calendar import nyse_calendar, use_cache_dir
from alchemiser.infrastructure.config.settings import Settings
from alchemiser.infrastructure.marketdata.cache_entry import CacheEntry
from alchemiser.infrastructure.marketdata.network import NetworkLimits
from alchemiser.infrastructure.marketdata.synthetic import NEW_YORK, SyntheticMarket

if TYPE_CHECKING:
    # the network and file sources import pandas / yfinance / alpaca: built (and imported) only
    # when chosen, so the synthetic market starts fast
    from alchemiser.infrastructure.marketdata.cached_source import CachedSource

SPEC_HELP = "synthetic, yahoo, alpaca or files:PATH"


def build_market_data_source(
    settings: Settings, spec: str | None = None, *, progress: FetchProgress | None = None
) -> MarketDataSource:
    """`progress` shows network fetches (a bar on a terminal); None shows nothing."""
    kind, path = parse_source_spec(spec, settings)
    use_cache_dir(settings.cache_dir)
    limits = network_limits(settings)
    if kind is DataSourceName.SYNTHETIC:
        return _synthetic(settings.market_data.synthetic_seed, dt.datetime.now(NEW_YORK).date())
    inner: MarketDataSource
    if kind is DataSourceName.FILES:
        assert path is not None
        from alchemiser.infrastructure.marketdata.files_source import FilesSource

        inner = FilesSource(path)
        key = "files-" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    elif kind is DataSourceName.YAHOO:
        from alchemiser.infrastructure.marketdata.yahoo_source import YahooSource

        inner, key = YahooSource(limits=limits, progress=progress), "yahoo"
    else:
        keys = settings.paper_keys if settings.paper_keys.complete else settings.live_keys
        from alchemiser.infrastructure.marketdata.alpaca_source import AlpacaSource

        inner = AlpacaSource.connect(
            keys.api_key.get_secret_value() if keys.api_key else None,
            keys.secret_key.get_secret_value() if keys.secret_key else None,
            url=settings.alpaca_data_url,
            feed=settings.market_data.alpaca_feed,
            limits=limits,
        )
        key = f"alpaca-{settings.market_data.alpaca_feed}"
    return cached(inner, settings.cache_dir / key, settings.market_data.history_years)


def network_limits(settings: Settings) -> NetworkLimits:
    market = settings.market_data
    return NetworkLimits(
        request_timeout=market.request_timeout_seconds,
        deadline=market.deadline_seconds,
        workers=market.workers,
    )


def cached(inner: MarketDataSource, directory: Path, history_years: int) -> CachedSource:
    """`inner` behind the Parquet cache in `directory`, loading `history_years` by default."""
    today = dt.datetime.now(NEW_YORK).date()
    default_start = today - dt.timedelta(days=round(365.25 * history_years))
    from alchemiser.infrastructure.marketdata.cached_source import CachedSource
    from alchemiser.infrastructure.marketdata.parquet_cache import ParquetCache

    return CachedSource(
        inner, ParquetCache(directory), nyse_calendar(), default_start=default_start
    )


def cache_entries(settings: Settings) -> list[CacheEntry]:
    """Every cached file of every source under settings.cache_dir (for `data status`)."""
    root = settings.cache_dir
    if not root.is_dir():
        return []
    from alchemiser.infrastructure.marketdata.parquet_cache import ParquetCache

    entries: list[CacheEntry] = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        entries.extend(ParquetCache(directory).entries(directory.name))
    return entries


def parse_source_spec(spec: str | None, settings: Settings) -> tuple[DataSourceName, Path | None]:
    """(kind, directory for `files`); a bad spec is a ConfigurationError naming it."""
    if spec is None:
        kind = settings.market_data.source
        if kind is DataSourceName.FILES:
            if settings.market_data.files_dir is None:
                raise ConfigurationError(
                    "market_data.source is 'files' but market_data.files_dir is not set",
                    context={"setting": "market_data.files_dir"},
                    suggested_action="Set ALCHEMISER_MARKET_DATA__FILES_DIR, or pass "
                    "--source files:PATH.",
                )
            return kind, settings.market_data.files_dir.expanduser()
        return kind, None
    text = spec.strip()
    name, _, rest = text.partition(":")
    try:
        kind = DataSourceName(name.strip().lower())
    except ValueError:
        raise ConfigurationError(
            f"unknown market data source {spec!r}",
            context={"setting": "--source", "value": spec},
            suggested_action=f"Use one of: {SPEC_HELP}.",
        ) from None
    if kind is DataSourceName.FILES:
        if not rest.strip():
            raise ConfigurationError(
                "the files source needs a directory: --source files:PATH",
                context={"setting": "--source", "value": spec},
            )
        return kind, Path(rest.strip()).expanduser()
    if rest:
        raise ConfigurationError(
            f"market data source {name!r} takes no argument (got {spec!r})",
            context={"setting": "--source", "value": spec},
            suggested_action=f"Use one of: {SPEC_HELP}.",
        )
    return kind, None


@cache
def _synthetic(seed: int, today: dt.date) -> SyntheticMarket:
    """One market per seed and day, so every caller in a process shares the generated paths."""
    return SyntheticMarket(seed, today=today)
