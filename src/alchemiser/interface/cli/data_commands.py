"""`alchemiser data fetch|status|show` and `alchemiser indicator`: the prices strategies see.

`indicator` prints one value so a user can hold it against what another platform shows for the
same ticker, window and date. Everything built on the synthetic market says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.application.services.data_status import data_status
from alchemiser.application.services.indicator import IndicatorService
from alchemiser.application.services.market_data import MarketDataService
from alchemiser.interface.cli.fetch_progress import FetchProgressBar, fetch_progress
from alchemiser.interface.cli.options import JsonFlag, parse_date
from alchemiser.interface.cli.output import emit
from alchemiser.interface.cli.render.research import (
    render_bars,
    render_data_status,
    render_fetch,
    render_indicator,
)

app = typer.Typer(help="Fetch, inspect and check market data.", no_args_is_help=True)

SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="Market data: synthetic, yahoo, alpaca or files:PATH."),
]


@app.command()
def fetch(
    tickers: Annotated[list[str], typer.Argument(help="Ticker symbols, e.g. SPY QQQ TLT.")],
    source: SourceOption = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First date YYYY-MM-DD (default: settings).")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Bring the local cache up to the last completed session (only new bars are fetched)."""
    service = _service(source, progress=fetch_progress(json_output=json_output))
    result = service.fetch(tickers, parse_date(start, "--start") if start else None)
    emit(result, render_fetch, json_output=json_output)


@app.command()
def status(json_output: JsonFlag = False) -> None:
    """What the local cache holds: per source and ticker, how fresh and how big."""
    settings = bootstrap.load_settings()
    result = data_status(
        settings.cache_dir,
        bootstrap.market_data_cache_entries(settings),
        bootstrap.trading_calendar(),
        dt.datetime.now(dt.UTC),
    )
    emit(result, render_data_status, json_output=json_output)


@app.command()
def show(
    ticker: Annotated[str, typer.Argument(help="Ticker symbol.")],
    last: Annotated[int, typer.Option("--last", min=1, help="Number of sessions to show.")] = 10,
    source: SourceOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Print the newest daily bars of one ticker."""
    emit(_service(source).bars(ticker, last), render_bars, json_output=json_output)


def _service(source: str | None, progress: FetchProgressBar | None = None) -> MarketDataService:
    settings = bootstrap.load_settings()
    return MarketDataService(
        bootstrap.market_data_source(settings, source, progress=progress),
        bootstrap.trading_calendar(),
        max_daily_move=settings.market_data.max_daily_move,
    )


def indicator(
    name: Annotated[str, typer.Argument(help="Indicator, e.g. rsi, moving-average-price.")],
    ticker: Annotated[str, typer.Argument(help="Ticker symbol.")],
    *,
    window: Annotated[
        int | None, typer.Option("--window", "-w", min=1, help="Window in sessions.")
    ] = None,
    source: SourceOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: newest session).")
    ] = None,
    short_window: Annotated[int | None, typer.Option(help="PPO short EMA window.")] = None,
    long_window: Annotated[int | None, typer.Option(help="PPO long EMA window.")] = None,
    smooth_window: Annotated[int | None, typer.Option(help="PPO signal EMA window.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Print one indicator value to compare with another platform."""
    from alchemiser.domain.symphony.indicators import needs_window
    from alchemiser.domain.symphony.parser import METRIC_ALIASES

    metric = METRIC_ALIASES.get(name.strip().lower())
    if metric is not None and window is None and needs_window(metric):
        # A usage mistake, not a data problem: say so before any data is loaded (exit 2).
        raise typer.BadParameter(
            f"{metric.value} needs a window, e.g. --window 10", param_hint="'--window'"
        )
    settings = bootstrap.load_settings()
    windows = {"short_window": short_window, "long_window": long_window}
    windows["smooth_window"] = smooth_window
    service = IndicatorService(
        bootstrap.market_data_source(settings, source),
        bootstrap.trading_calendar(),
        history_years=settings.market_data.history_years,
        max_daily_move=settings.market_data.max_daily_move,
    )
    result = service.value(
        name,
        ticker,
        window=window,
        as_of=parse_date(as_of, "--as-of") if as_of else None,
        parameters={k: float(v) for k, v in windows.items() if v is not None},
    )
    emit(result, render_indicator, json_output=json_output)
