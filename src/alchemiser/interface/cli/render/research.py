"""`indicator` and `data status`: one value, the cache listing, and data warnings."""

from __future__ import annotations

from alchemiser.application.results.data import BarsResult, DataFetchResult, DataStatusResult
from alchemiser.application.results.indicator import IndicatorResult
from alchemiser.domain.market.quality import MAX_LISTED
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.tables import FittedTable, number, text

SYNTHETIC_NOTE = "SYNTHETIC data (offline simulated market, not real prices)"


def source_banner(source: str, synthetic: bool) -> None:
    if synthetic:
        console.print(line((SYNTHETIC_NOTE, "bold yellow")))
    else:
        console.print(line((f"source: {source}", "dim")))


def render_warnings(warnings: list[str]) -> None:
    for warning in warnings[:MAX_LISTED]:
        console.print(line(("data warning:", "yellow"), f" {warning}"))
    if len(warnings) > MAX_LISTED:
        console.print(line((f"… and {len(warnings) - MAX_LISTED} more data warnings", "yellow")))


def render_indicator(result: IndicatorResult) -> None:
    source_banner(result.source, result.synthetic)
    shown = "undefined" if result.value is None else f"{result.value:.6g}"
    window = f" {result.window}" if result.window else ""
    console.print(
        line(f"{result.indicator}{window} of {result.ticker} on {result.as_of}: ", (shown, "bold"))
    )
    if result.value is None:
        console.print(
            line(
                (
                    f"Needs {result.needs_closes} closes; {result.closes_available} are "
                    f"available up to {result.as_of}.",
                    "yellow",
                )
            )
        )
    render_warnings(result.warnings)


def render_data_status(result: DataStatusResult) -> None:
    console.print(
        f"Cache: {result.cache_dir}  (last completed session {result.last_completed_session})",
        markup=False,
    )
    if not result.entries:
        console.print("The cache is empty. `alchemiser data fetch TICKER --source yahoo` fills it.")
        return
    columns = [text("ticker"), text("source"), number("bars"), number("first"), number("last")]
    columns += [number("behind"), number("size"), text("problem")]
    rows = [
        [
            e.ticker, e.source, str(e.rows), str(e.first or "-"), str(e.last or "-"),
            "-" if e.sessions_behind is None else f"{e.sessions_behind} sessions",
            size(e.size_bytes), e.error or "",
        ]
        for e in result.entries
    ]  # fmt: skip
    console.print(FittedTable(columns, rows))
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
    columns = [text("ticker"), text("fetched"), number("new bars"), number("bars")]
    columns += [number("first"), number("last")]
    rows = [
        [
            t.ticker,
            ", ".join(f"{a} to {b}" for a, b in t.fetched) or "up to date",
            str(t.new_rows), str(t.rows), str(t.first), str(t.last),
        ]
        for t in result.tickers
    ]  # fmt: skip
    console.print(FittedTable(columns, rows))


def render_bars(result: BarsResult) -> None:
    source_banner(result.source, result.synthetic)
    fields = ("open", "high", "low", "close", "volume")
    columns = [f for f in fields if any(getattr(b, f) is not None for b in result.bars)]
    rows = [
        [bar.date.isoformat(), *(_cell(getattr(bar, c)) for c in columns)] for bar in result.bars
    ]
    title = f"{result.ticker} — last {len(result.bars)} sessions"
    console.print(FittedTable([text("date"), *map(number, columns)], rows, title=title))
    render_warnings(result.warnings)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4f}".rstrip("0").rstrip(".")
