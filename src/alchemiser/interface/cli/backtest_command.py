"""`alchemiser backtest`: the symphony engine over history, with metrics and an HTML tearsheet.

`--json` prints docs/schemas/backtest.json (research money is float, see the schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from alchemiser import bootstrap
from alchemiser.application.backtest import BacktestResult
from alchemiser.application.services.backtest import BacktestOptions, BacktestService
from alchemiser.domain.errors import ConfigurationError
from alchemiser.interface.cli.fetch_progress import fetch_progress
from alchemiser.interface.cli.options import (
    JsonFlag,
    PortfolioOption,
    SourceOption,
    StrategyOption,
    chosen_portfolio,
    parse_date,
)
from alchemiser.interface.cli.output import emit, err_console
from alchemiser.interface.cli.render.backtest import render_backtest
from alchemiser.interface.cli.research_options import OutOption, RayOption, WorkersOption


def backtest(
    *,
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Symphony files or folders: each is backtested alone, with one summary "
            "table (and --out Parquet). Without them: --strategy / --portfolio.",
            show_default=False,
        ),
    ] = None,
    strategy: StrategyOption = None,
    portfolio: PortfolioOption = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First session YYYY-MM-DD (default: earliest).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Last session YYYY-MM-DD (default: latest).")
    ] = None,
    source: SourceOption = None,
    capital: Annotated[float, typer.Option("--capital", help="Starting capital ($).")] = 100_000.0,
    slippage_bps: Annotated[
        float, typer.Option("--slippage-bps", help="Slippage on traded value, in bps.")
    ] = 1.0,
    rebalance: Annotated[
        str | None,
        typer.Option(
            "--rebalance",
            help="Override every symphony's own rule: daily, weekly, monthly, quarterly, "
            "yearly, threshold:X or none.",
        ),
    ] = None,
    sleeve_rebalance: Annotated[
        str,
        typer.Option(
            "--sleeve-rebalance",
            help="Bring sleeves back to their allocations: never (default), weekly, monthly, "
            "quarterly or yearly.",
        ),
    ] = "never",
    benchmark: Annotated[
        str, typer.Option("--benchmark", help="Benchmark ticker, or 'none'.")
    ] = "SPY",
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML tearsheet to this file.")
    ] = None,
    log_scale: Annotated[
        bool, typer.Option("--log-scale/--linear-scale", help="Equity chart scale in the report.")
    ] = True,
    fees: Annotated[
        bool, typer.Option("--fees/--no-fees", help="Charge the SEC fee and FINRA TAF on sells.")
    ] = True,
    weights_out: Annotated[
        Path | None,
        typer.Option("--weights-out", help="CSV of the weights held after each close's trades."),
    ] = None,
    equity_out: Annotated[
        Path | None,
        typer.Option("--equity-out", help="CSV of portfolio, sleeve and benchmark values."),
    ] = None,
    out: OutOption = None,
    ray: RayOption = None,
    workers: WorkersOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Backtest the strategies: decide and trade at each close, costs included."""
    if files:
        _many(files, locals())
        return
    if out is not None or ray is not None or workers is not None:
        raise ConfigurationError(
            "--out, --ray and --workers apply to symphony files given as arguments",
            context={"option": "--out" if out is not None else "--ray/--workers"},
            suggested_action="Write `alchemiser backtest FILE… --out results.parquet`.",
        )
    settings = bootstrap.load_settings()
    spec = chosen_portfolio(settings, strategy, portfolio)
    options = BacktestOptions(
        start=parse_date(start, "--start") if start else None,
        end=parse_date(end, "--end") if end else None,
        capital=capital,
        slippage_bps=slippage_bps,
        fees=fees,
        rebalance=rebalance,
        sleeve_rebalance=sleeve_rebalance,
        benchmark=benchmark,
        report=report,
        log_scale=log_scale,
        weights_out=weights_out,
        equity_out=equity_out,
        risk=bootstrap.risk_settings(settings, spec).limits(),
    )
    service = BacktestService(
        bootstrap.market_data_source(
            settings, source, progress=fetch_progress(json_output=json_output)
        ),
        bootstrap.load_symphony,
        history_years=settings.market_data.history_years,
        tearsheet=_write_tearsheet,
    )
    with _progress(enabled=not json_output, steps=service.steps(spec, options)) as step:
        result = service.run(spec, options, progress=step)
    emit(result, render_backtest, json_output=json_output)


def _many(files: list[str], options: dict[str, Any]) -> None:
    """Several files: each alone, on the research executors (backtest_many)."""
    from alchemiser.interface.cli.backtest_many import backtest_files
    from alchemiser.interface.cli.research_options import backtest_config

    if options["strategy"] or options["portfolio"] is not None:
        raise ConfigurationError(
            "give symphony files or --strategy/--portfolio, not both",
            context={"option": "--strategy"},
        )
    single = [k for k in ("report", "weights_out", "equity_out") if options[k] is not None]
    if single or options["sleeve_rebalance"] != "never":
        raise ConfigurationError(
            "--report, --weights-out, --equity-out and --sleeve-rebalance describe one "
            "portfolio; with several files use --out FILE.parquet",
            context={
                "option": "--" + (single[0] if single else "sleeve_rebalance").replace("_", "-")
            },
            suggested_action="Backtest one file with --strategy FILE for its tearsheet.",
        )
    config = backtest_config(
        start=options["start"],
        end=options["end"],
        capital=options["capital"],
        slippage_bps=options["slippage_bps"],
        fees=options["fees"],
        rebalance=options["rebalance"],
        benchmark=options["benchmark"],
    )
    backtest_files(
        files,
        config,
        source=options["source"],
        out=options["out"],
        ray=options["ray"],
        workers=options["workers"],
        json_output=options["json_output"],
    )


@contextmanager
def _progress(*, enabled: bool, steps: int) -> Iterator[_Step]:
    """A bar on stderr (stdout stays clean for --json and pipes), one tick per step."""
    if not enabled:
        yield _Step(None, TaskID(0))
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("backtest", total=steps)
        yield _Step(progress, task)
        progress.update(task, completed=steps)


def _write_tearsheet(result: BacktestResult, path: Path, *, log_scale: bool) -> Path:
    from alchemiser.interface.reports.tearsheet import write_tearsheet  # plotly: only when asked

    return write_tearsheet(result, path, log_scale=log_scale)


class _Step:
    def __init__(self, progress: Progress | None, task: TaskID) -> None:
        self._progress = progress
        self._task = task
        self._started = False

    def __call__(self, description: str) -> None:
        """Start the step `description`, completing the previous one."""
        if self._progress is not None:
            self._progress.update(
                self._task, description=description, advance=1 if self._started else 0
            )
            self._started = True
