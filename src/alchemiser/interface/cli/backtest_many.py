"""`alchemiser backtest FILE…` with several files: each symphony backtested alone, one summary
table and one Parquet row per file, on the local pool or a Ray cluster (issue 18)."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.markup import escape
from rich.text import Text

from alchemiser import bootstrap
from alchemiser.application.backtest import BacktestConfig
from alchemiser.application.research.batch import BatchBacktestService
from alchemiser.application.research.models import BatchBacktestResult
from alchemiser.application.results.research import BatchBacktestSummary
from alchemiser.domain.errors import StrategyError
from alchemiser.interface.cli.output import console, print_model
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.tables import FittedTable, number, text
from alchemiser.interface.cli.research_options import rows_frame, write_parquet
from alchemiser.interface.cli.research_progress import research_progress


def backtest_files(
    refs: list[str],
    config: BacktestConfig,
    *,
    source: str | None,
    out: Path | None,
    ray: str | None,
    workers: int | None,
    json_output: bool,
) -> None:
    settings = bootstrap.load_settings()
    service = BatchBacktestService(
        bootstrap.research_executor(ray=ray, workers=workers),
        bootstrap.market_data_source(settings, source),
    )
    with research_progress("backtest", unit="files", enabled=not json_output) as progress:
        result = service.run_files(refs, bootstrap.load_symphony, config, progress=progress)
    if out is not None:
        write_parquet(rows_frame(result.rows), out)
    if json_output:
        print_model(BatchBacktestSummary.of(result, out=str(out) if out else None))
    else:
        render(result, out)
    if not all(r.ok for r in result.rows):
        raise typer.Exit(StrategyError.category.exit_code)


def render(result: BatchBacktestResult, out: Path | None) -> None:
    if result.synthetic:
        console.print(
            line(
                ("SYNTHETIC DATA", "bold yellow"),
                f" ({result.source}): simulated prices, not a market record.",
            ),
            highlight=False,
        )
    rows: list[list[str | Text]] = []
    failures: list[tuple[str, str]] = []
    for row in result.rows:
        name = Path(row.symphony).name
        if not row.ok:
            # the error is a sentence: printed below the table, not squeezed into a cell
            rows.append([name, Text("failed", style="red"), "", "", "", "", ""])
            failures.append((name, row.error or ""))
            continue
        rows.append(
            [
                name,
                row.start or "",
                _pct(row.cagr),
                _num(row.sharpe),
                _num(row.sortino),
                _pct(row.max_drawdown),
                _pct(row.turnover),
            ]
        )
    columns = [text("file"), number("from"), number("CAGR"), number("Sharpe")]
    columns += [number("Sortino"), number("max DD"), number("turnover")]
    title = f"{len(result.rows)} symphonies, {result.start} → {result.end}"
    console.print(FittedTable(columns, rows, title=title))
    for name, error in failures:
        console.print(line((f"{name} failed:", "red"), f" {error}"), highlight=False)
    rate = len(result.rows) / result.seconds if result.seconds > 0 else float("nan")
    console.print(
        f"{len(result.rows)} files on {escape(result.executor)} in {result.seconds:.1f} s "
        f"({rate:.1f} files/s)" + (f"; Parquet written to {escape(str(out))}" if out else ""),
        highlight=False,
    )


def _num(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.1%}"
