"""`indicator` and `data status`: one value, the cache listing, and data warnings."""

from __future__ import annotations

from rich.table import Table

from alchemiser.application.results.data import BarsResult, DataFetchResult, DataStatusResult
from alchemiser.application.results.indicator import IndicatorResult
from alchemiser.domain.market.quality import MAX_LISTED
from alchemiser.interface.cli.output import console

SYNTHETIC_NOTE = "SYNTHETIC data (offline simulated market, not real prices)"


def source_banner(source: str, synthetic: bool) -> None:
    if synthetic:
        console.print(f"[bold yellow]{SYNTHETIC_NOTE}[/]")
    else:
        console.print(f"[dim]source: {source}[/]")


def render_warnings(warnings: list[str]) -> None:
    for line in warnings[:MAX_LISTED]:
        console.print(f"[yellow]data warning:[/] {line}")
    if len(warnings) > MAX_LISTED:
        console.print(f"[yellow]… and {len(warnings) - MAX_LISTED} more data warnings[/]")


def render_indicator(result: IndicatorResult) -> None:
    source_banner(result.source, result.synthetic)
    shown = "undefined" if result.value is None else f"{result.value:.6g}"
    window = f" {result.window}" if result.window else ""
    console.print(
        f"{result.indicator}{window} of {result.ticker} on {result.as_of}: [bold]{shown}[/]"
    )
    if result.value is None:
        console.print(
            f"[yellow]Needs {result.needs_closes} closes; {result.closes_available} are "
            f"available up to {result.as_of}.[/]"
        )
    render_warnings(result.warnings)


def render_data_status(result: DataStatusResult) -> None:
    console.print(
        f"Cache: {result.cache_dir}  (last completed session {result.last_completed_session})"
    )
    if not result.entries:
        console.print("The cache is empty. `alchemiser data fetch TICKER --source yahoo` fills it.")
        return
    table = Table("source", "ticker", "bars", "first", "last", "behind", "size", "problem")
    for e in result.entries:
        table.add_row(
            e.source, e.ticker, str(e.rows), str(e.first or "-"), str(e.last or "-"),
            "-" if e.sessions_behind is None else f"{e.sessions_behind} sessions",
            size(e.size_bytes), e.error or "",
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(result.entries)} files, {size(result.total_bytes)}")


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def render_fetch(result: DataFetchResult) -> None:
    source_banner(result.source, result.synthetic)
    if result.synthetic:
        console.print("The synthetic market is generated on demand; nothing is fetched or cached.")
    table = Table("ticker", "fetched", "new bars", "bars", "first", "last")
    for t in result.tickers:
        fetched = ", ".join(f"{a} … {b}" for a, b in t.fetched) or "up to date"
        table.add_row(t.ticker, fetched, str(t.new_rows), str(t.rows), str(t.first), str(t.last))
    console.print(table)


def render_bars(result: BarsResult) -> None:
    source_banner(result.source, result.synthetic)
    fields = ("open", "high", "low", "close", "volume")
    columns = [f for f in fields if any(getattr(b, f) is not None for b in result.bars)]
    table = Table("date", *columns, title=f"{result.ticker} — last {len(result.bars)} sessions")
    for bar in result.bars:
        table.add_row(bar.date.isoformat(), *(_cell(getattr(bar, c)) for c in columns))
    console.print(table)
    render_warnings(result.warnings)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4f}".rstrip("0").rstrip(".")
