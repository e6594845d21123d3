"""`alchemiser sweep FILE --param ADDR=8..14 …`: backtest variants of a symphony and say how
much of its result survives a small change of its numbers (issue 18)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from alchemiser import bootstrap
from alchemiser.application.research.models import SurfaceModel, SweepResult
from alchemiser.application.research.sweep import SweepRequest, SweepService
from alchemiser.application.results.research import SweepSummary
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.research.variants import parse_axis
from alchemiser.interface.cli.fetch_progress import fetch_progress
from alchemiser.interface.cli.options import JsonFlag, SourceOption, parse_date
from alchemiser.interface.cli.output import console, print_model
from alchemiser.interface.cli.render.tables import FittedTable, number
from alchemiser.interface.cli.render.tables import text as text_column
from alchemiser.interface.cli.research_options import (
    OutOption,
    RayOption,
    WorkersOption,
    backtest_config,
    equity_frame,
    rows_frame,
    write_parquet,
)
from alchemiser.interface.cli.research_progress import research_progress
from alchemiser.interface.reports.robustness import colour, summary_rows, verdict


def sweep(
    *,
    file: Annotated[str, typer.Argument(help="Symphony file (.clj or .json) or built-in name.")],
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            "-p",
            help="ADDRESS=V1,V2,… or ADDRESS=A..B\\[:STEP]; repeat per parameter. Addresses "
            "come from `alchemiser symphony params FILE`.",
        ),
    ],
    random: Annotated[
        int | None,
        typer.Option("--random", help="Sample N variants of the grid instead of all of it."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --random.")] = 0,
    start: Annotated[str | None, typer.Option("--start", help="First session YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last session YYYY-MM-DD.")] = None,
    source: SourceOption = None,
    capital: Annotated[float, typer.Option("--capital", help="Starting capital ($).")] = 100_000.0,
    slippage_bps: Annotated[
        float, typer.Option("--slippage-bps", help="Slippage on traded value, in bps.")
    ] = 1.0,
    fees: Annotated[
        bool, typer.Option("--fees/--no-fees", help="Charge the SEC fee and FINRA TAF on sells.")
    ] = True,
    rebalance: Annotated[
        str | None,
        typer.Option("--rebalance", help="Override the symphony's rule (as in backtest)."),
    ] = None,
    benchmark: Annotated[
        str, typer.Option("--benchmark", help="Benchmark ticker, or 'none'.")
    ] = "SPY",
    split: Annotated[
        str | None,
        typer.Option(
            "--walk-forward",
            help="Split date YYYY-MM-DD: choose on the sessions up to it, report the choice "
            "after it.",
        ),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", help="Neighbours 'hold up' within this % of the Sharpe."),
    ] = 10.0,
    out: OutOption = None,
    equity_out: Annotated[
        Path | None,
        typer.Option("--equity-out", help="Parquet of every variant's equity curve (long form)."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML robustness report here.")
    ] = None,
    ray: RayOption = None,
    workers: WorkersOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Backtest every variant (grid, or --random N) with the engine and costs of `backtest`;
    report the original's rank among its neighbours, the Sharpe surface over each pair of
    parameters and the deflated Sharpe ratio of the best variant."""
    if not 0 <= tolerance <= 100:
        raise ConfigurationError(
            f"--tolerance {tolerance}: expected a percentage between 0 and 100",
            context={"option": "--tolerance"},
        )
    settings = bootstrap.load_settings()
    config = backtest_config(
        start=start,
        end=end,
        capital=capital,
        slippage_bps=slippage_bps,
        fees=fees,
        rebalance=rebalance,
        benchmark=benchmark,
    )
    request = SweepRequest(
        label=file,
        symphony=bootstrap.load_symphony(file),
        axes=tuple(parse_axis(p) for p in param),
        config=config,
        random=random,
        seed=seed,
        split=parse_date(split, "--walk-forward") if split else None,
        tolerance=tolerance / 100,
        keep_equity=equity_out is not None,
    )
    executor = bootstrap.research_executor(ray=ray, workers=workers)
    market = bootstrap.market_data_source(
        settings, source, progress=fetch_progress(json_output=json_output)
    )
    with research_progress("sweep", unit="variants", enabled=not json_output) as progress:
        result = SweepService(executor, market).run(request, progress)
    if out is not None:
        write_parquet(rows_frame(result.variants, result.addresses), out)
    if equity_out is not None:
        write_parquet(equity_frame(result.variants), equity_out, "--equity-out")
    if report is not None:
        from alchemiser.interface.reports.robustness import write_robustness_report

        write_robustness_report(result, report)
    if json_output:
        print_model(
            SweepSummary.of(
                result, out=str(out) if out else None, report=str(report) if report else None
            )
        )
        return
    render_sweep(result)
    for label, path in (("Parquet", out), ("Equity curves", equity_out), ("Report", report)):
        if path is not None:
            console.print(f"{label} written to {escape(str(path))}", highlight=False)


def render_sweep(result: SweepResult) -> None:
    if result.synthetic:
        console.print(
            f"[bold yellow]SYNTHETIC DATA[/] ({escape(result.source)}): simulated prices, not a "
            "market record.",
            highlight=False,
        )
    rate = len(result.variants) / result.seconds if result.seconds > 0 else float("nan")
    console.print(
        f"Sweep of {escape(result.symphony)}: {len(result.variants)} variants ({result.mode}) on "
        f"{escape(result.executor)} in {result.seconds:.1f} s ({rate:.1f} variants/s)",
        highlight=False,
    )
    starts = {v.start for v in result.variants if v.start}
    if len(starts) > 1:
        console.print(
            f"[yellow]note:[/] variants start between {min(starts)} and {max(starts)} (longer "
            "windows need more warm-up); give --start to compare them over one period.",
            highlight=False,
        )
    text, good = verdict(result)
    console.print(f"[bold {'green' if good else 'red'}]{escape(text)}[/]", highlight=False)
    rows = [[label, value] for label, value in summary_rows(result)]
    console.print(FittedTable([text_column("measure"), text_column("value")], rows))
    original = result.variants[result.original]
    centre = original.sharpe if original.sharpe is not None else 0.0
    for surface in result.surfaces[:6]:
        console.print(_heatmap(surface, centre))
    if len(result.surfaces) > 6:
        console.print(f"… {len(result.surfaces) - 6} more pairs in the HTML report (--report).")


def _heatmap(surface: SurfaceModel, centre: float) -> FittedTable:
    title = (
        f"Sharpe: {surface.y} (rows) × {surface.x} (columns)"
        if surface.y
        else (f"Sharpe by {surface.x}")
    )
    cells = [v for row in surface.z for v in row if v is not None]
    spread = max((abs(v - centre) for v in cells), default=0.0)
    rows: list[list[str | Text]] = [
        [
            _label(y) if surface.y else "",
            *(
                Text(
                    "" if v is None else f"{v:.2f}",
                    style=f"black on {colour(v, centre, spread)}",
                )
                for v in row
            ),
        ]
        for y, row in zip(surface.y_values, surface.z, strict=True)
    ]
    columns = [number(surface.y or ""), *(number(_label(x)) for x in surface.x_values)]
    return FittedTable(columns, rows, title=title)


def _label(value: float) -> str:
    return str(int(value)) if math.isfinite(value) and value.is_integer() else f"{value:g}"
