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
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.domain.errors import ConfigurationError, DataError
from alchemiser.domain.market.price_history import PriceHistory, to_date
from alchemiser.domain.market.quality import MAX_LISTED, check_quality, enforce
from alchemiser.domain.symphony.indicators import compute_indicator, indicator_warmup
from alchemiser.domain.symphony.parser import METRIC_ALIASES
from alchemiser.interface.cli.options import JsonFlag, parse_date
from alchemiser.interface.cli.output import console, print_json

app = typer.Typer(help="Fetch, inspect and check market data.", no_args_is_help=True)

SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="Market data: synthetic, yahoo, alpaca or files:PATH."),
]
SYNTHETIC_NOTE = "SYNTHETIC data (offline simulated market, not real prices)"
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
    _source_banner(market)
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
    entries = bootstrap.market_data_cache_entries(settings)
    calendar = bootstrap.trading_calendar()
    latest = calendar.last_completed_session(dt.datetime.now(dt.UTC))
    rows: list[dict[str, Any]] = []
    for e in entries:
        behind = None
        if e.last is not None and e.last < latest:
            behind = len(calendar.sessions(e.last + dt.timedelta(days=1), latest))
        elif e.last is not None:
            behind = 0
        rows.append(
            {
                "source": e.source,
                "ticker": e.ticker,
                "rows": e.rows,
                "first": e.first.isoformat() if e.first else None,
                "last": e.last.isoformat() if e.last else None,
                "sessions_behind": behind,
                "size_bytes": e.size_bytes,
                "modified": e.modified.isoformat(timespec="seconds"),
                "path": str(e.path),
                "error": e.error,
            }
        )
    total = sum(e.size_bytes for e in entries)
    if json_output:
        print_json(
            {
                "cache_dir": str(settings.cache_dir),
                "last_completed_session": latest.isoformat(),
                "total_bytes": total,
                "entries": rows,
            }
        )
        return
    console.print(f"Cache: {settings.cache_dir}  (last completed session {latest})")
    if not rows:
        console.print("The cache is empty. `alchemiser data fetch TICKER --source yahoo` fills it.")
        return
    table = Table("source", "ticker", "bars", "first", "last", "behind", "size", "problem")
    for r in rows:
        table.add_row(
            r["source"], r["ticker"], str(r["rows"]), str(r["first"] or "-"),
            str(r["last"] or "-"),
            "-" if r["sessions_behind"] is None else f"{r['sessions_behind']} sessions",
            _size(r["size_bytes"]), r["error"] or "",
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(rows)} files, {_size(total)}")


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
    warnings = _quality_warnings(history, settings.market_data.max_daily_move, None)
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
    _source_banner(market)
    columns = [n for n in FIELDS if any(r[n] is not None for r in rows)]
    table = Table("date", *columns, title=f"{symbol} — last {len(rows)} sessions")
    for r in rows:
        table.add_row(r["date"], *(_cell(r[c]) for c in columns))
    console.print(table)
    _print_warnings(warnings)


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
    metric = METRIC_ALIASES.get(name.strip().lower())
    if metric is None:
        raise ConfigurationError(
            f"unknown indicator {name!r}",
            context={"indicator": name},
            suggested_action="Use one of: " + ", ".join(sorted(METRIC_ALIASES)),
        )
    params = {
        k: float(v)
        for k, v in (
            ("short_window", short_window),
            ("long_window", long_window),
            ("smooth_window", smooth_window),
        )
        if v is not None
    }
    settings = bootstrap.load_settings()
    market = bootstrap.market_data_source(settings, source)
    end = parse_date(as_of, "--as-of") if as_of else None
    history = market.history([ticker], None, end)
    symbol = history.tickers[0]
    closes = _listed_closes(history, symbol)
    values = compute_indicator(metric, closes, window, **params)
    value = float(values[-1])
    day = history.last_date
    if end is not None and day < end and bootstrap.trading_calendar().is_session(end):
        raise DataError(
            f"{market.name} has no close for {symbol} on {end} (newest: {day})",
            context={"ticker": symbol, "date": end.isoformat(), "source": market.name},
        )
    defined = not math.isnan(value)
    warnings = _quality_warnings(history, settings.market_data.max_daily_move, end)
    payload = {
        "indicator": metric.value,
        "ticker": symbol,
        "window": window,
        "as_of": day.isoformat(),
        "value": value if defined else None,
        "source": market.name,
        "synthetic": history.synthetic,
        "warnings": warnings,
    }
    if json_output:
        print_json(payload)
        return
    _source_banner(market)
    shown = f"{value:.6g}" if defined else "undefined"
    window_text = f" {window}" if window else ""
    console.print(f"{metric.value}{window_text} of {symbol} on {day}: [bold]{shown}[/]")
    if not defined:
        need = indicator_warmup(metric, window, **params)
        console.print(f"[yellow]Needs {need} closes; {len(closes)} are available up to {day}.[/]")


# -- helpers --------------------------------------------------------------------------------------
def _quality_warnings(history: PriceHistory, max_move: float, as_of: dt.date | None) -> list[str]:
    """The quality gate in research mode: problems are shown, nothing is refused."""
    calendar = bootstrap.trading_calendar()
    expected = calendar.last_completed_session(dt.datetime.now(dt.UTC))
    if as_of is not None:
        expected = min(expected, calendar.session_on_or_before(as_of))
    if history.synthetic:
        expected = history.last_date  # generated through its own "today"
    problems = check_quality(
        history,
        expected_last_session=expected,
        sessions=calendar.sessions(history.first_date, history.last_date),
        max_daily_move=max_move,
    )
    return enforce(problems, trading=False)


def _print_warnings(warnings: list[str]) -> None:
    for line in warnings[:MAX_LISTED]:
        console.print(f"[yellow]data warning:[/] {line}")
    if len(warnings) > MAX_LISTED:
        console.print(f"[yellow]… and {len(warnings) - MAX_LISTED} more data warnings[/]")


def _listed_closes(history: PriceHistory, ticker: str) -> Any:
    """Closes from the ticker's first bar on (NaN before listing would poison recursive EMAs)."""
    closes = history.closes(ticker)
    valid = np.flatnonzero(~np.isnan(closes))
    if len(valid) == 0:
        raise DataError(
            f"no prices for {ticker} up to {history.last_date}",
            context={"ticker": ticker, "source": history.source},
        )
    return closes[valid[0] :]


def _source_banner(market: MarketDataSource) -> None:
    if market.synthetic:
        console.print(f"[bold yellow]{SYNTHETIC_NOTE}[/]")
    else:
        console.print(f"[dim]source: {market.name}[/]")


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4f}".rstrip("0").rstrip(".")


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
