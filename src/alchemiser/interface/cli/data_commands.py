"""`alchemiser data fetch|status|show` and `alchemiser indicator`: the prices strategies see.

`indicator` prints one value so a user can hold it against what another platform shows for the
same ticker, window and date. Everything built on the synthetic market says so.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Protocol

import numpy as np
import typer
from rich.table import Table

from alchemiser import bootstrap
from alchemiser.application.services.data_status import data_status
from alchemiser.application.services.indicator import IndicatorService
from alchemiser.application.services.research import research_warnings
from alchemiser.domain.market.price_history import to_date
from alchemiser.interface.cli.options import JsonFlag, parse_date
from alchemiser.interface.cli.output import console, emit, print_json
from alchemiser.interface.cli.render.research import (
    render_data_status,
    render_indicator,
    render_warnings,
    source_banner,
)

app = typer.Typer(help="Fetch, inspect and check market data.", no_args_is_help=True)

SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="Market data: synthetic, yahoo, alpaca or files:PATH."),
]
FIELDS = ("open", "high", "low", "close", "volume")


class _FetchReport(Protocol):
    ticker: str
    fetched_ranges: tuple[tuple[dt.date, dt.date], ...]
    new_rows: int
    rows: int
    first: dt.date | None
    last: dt.date | None


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
    settings = bootstrap.load_settings()
    market = bootstrap.market_data_source(settings, source)
    first = parse_date(start, "--start") if start else None
    refresh = getattr(market, "refresh", None)
    rows: list[dict[str, Any]]
    if market.synthetic or refresh is None:
        history = market.history(tickers, first, None)
        rows = [
            {
                "ticker": t,
                "fetched": [],
                "new_rows": 0,
                "rows": int(np.count_nonzero(~np.isnan(history.closes(t)))),
                "first": history.first_date.isoformat(),
                "last": history.last_date.isoformat(),
            }
            for t in history.tickers
        ]
    else:
        reports: list[_FetchReport] = refresh(tickers, first)
        rows = [
            {
                "ticker": r.ticker,
                "fetched": [[a.isoformat(), b.isoformat()] for a, b in r.fetched_ranges],
                "new_rows": r.new_rows,
                "rows": r.rows,
                "first": r.first.isoformat() if r.first else None,
                "last": r.last.isoformat() if r.last else None,
            }
            for r in reports
        ]
    if json_output:
        print_json({"source": market.name, "synthetic": market.synthetic, "tickers": rows})
        return
    source_banner(market.name, market.synthetic)
    if market.synthetic:
        console.print("The synthetic market is generated on demand; nothing is fetched or cached.")
    table = Table("ticker", "fetched", "new bars", "bars", "first", "last")
    for row in rows:
        fetched = ", ".join(f"{a} … {b}" for a, b in row["fetched"]) or "up to date"
        table.add_row(
            row["ticker"], fetched, str(row["new_rows"]), str(row["rows"]),
            str(row["first"]), str(row["last"]),
        )  # fmt: skip
    console.print(table)


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
    settings = bootstrap.load_settings()
    market = bootstrap.market_data_source(settings, source)
    history = market.history([ticker], None, None)
    symbol = history.tickers[0]
    warnings = research_warnings(
        history,
        bootstrap.trading_calendar(),
        max_daily_move=settings.market_data.max_daily_move,
        as_of=None,
        now=dt.datetime.now(dt.UTC),
    )
    tail = history.between(start=to_date(history.dates[max(0, len(history) - last)]))
    rows = []
    for i, day in enumerate(tail.dates):
        row: dict[str, Any] = {"date": str(day)}
        for name in FIELDS:
            values = getattr(tail, name)
            row[name] = None if values is None else _number(float(values[i, 0]))
        rows.append(row)
    if json_output:
        print_json(
            {
                "ticker": symbol,
                "source": market.name,
                "synthetic": history.synthetic,
                "bars": rows,
                "warnings": warnings,
            }
        )
        return
    source_banner(market.name, market.synthetic)
    columns = [n for n in FIELDS if any(r[n] is not None for r in rows)]
    table = Table("date", *columns, title=f"{symbol} — last {len(rows)} sessions")
    for r in rows:
        table.add_row(r["date"], *(_cell(r[c]) for c in columns))
    console.print(table)
    render_warnings(warnings)


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
    """Print one indicator value (SPEC §3) to compare with another platform."""
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


# -- helpers --------------------------------------------------------------------------------------
def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4f}".rstrip("0").rstrip(".")
