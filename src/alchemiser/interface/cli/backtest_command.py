"""`alchemiser backtest`: the symphony engine over history, with metrics and an HTML tearsheet."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
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
from rich.table import Table

from alchemiser import bootstrap
from alchemiser.application.backtest import BacktestConfig, BacktestResult, run_backtest
from alchemiser.application.backtest.backtester import sleeves_from_specs
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.domain.backtest.metrics import Metrics, compute_metrics
from alchemiser.domain.backtest.rebalancing import RebalanceKind, parse_policy
from alchemiser.domain.errors import ConfigurationError
from alchemiser.interface.cli.options import (
    JsonFlag,
    PortfolioOption,
    SourceOption,
    StrategyOption,
    chosen_portfolio,
    parse_date,
)
from alchemiser.interface.cli.output import console, err_console, print_json
from alchemiser.interface.cli.research_options import OutOption, RayOption, WorkersOption

WARMUP_YEARS = 3


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
    """Backtest the strategies (SPEC §11): decide and trade at each close, costs included."""
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
    first = parse_date(start, "--start") if start else None
    config = BacktestConfig(
        start=first,
        history_start=_history_start(first, settings.market_data.history_years),
        end=parse_date(end, "--end") if end else None,
        capital=capital,
        costs=CostModel(slippage_bps=slippage_bps, fees=fees),
        rebalance=parse_policy(rebalance) if rebalance else None,
        benchmark=None if benchmark.strip().lower() == "none" else benchmark.strip().upper(),
        sleeve_rebalance=_sleeve_rebalance(sleeve_rebalance),
    )
    steps = len(spec.sleeves) + 3 + (report is not None)  # symphonies, data, sleeves, simulation
    with _progress(enabled=not json_output, steps=steps) as step:
        step("loading symphonies")
        sleeves = sleeves_from_specs(spec.sleeves, bootstrap.load_symphony)
        market = bootstrap.market_data_source(settings, source)
        result = run_backtest(sleeves, market, config, progress=step)
        if report is not None:
            step("writing the report")
            from alchemiser.interface.reports.tearsheet import write_tearsheet

            write_tearsheet(result, report, log_scale=log_scale)
    if weights_out is not None:
        weights_frame(result).to_csv(weights_out, float_format="%.8g")
    if equity_out is not None:
        equity_frame(result).to_csv(equity_out, float_format="%.6f")
    if json_output:
        payload = result.to_json()
        payload["report"] = str(report) if report else None
        print_json(payload)
        return
    _render(result, report)


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
        history_years=bootstrap.load_settings().market_data.history_years,
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


def weights_frame(result: BacktestResult) -> pd.DataFrame:
    index = pd.Index([str(d) for d in result.dates], name="date")
    return pd.DataFrame(result.weights, index=index, columns=list(result.tickers))


def equity_frame(result: BacktestResult) -> pd.DataFrame:
    index = pd.Index([str(d) for d in result.dates], name="date")
    frame = pd.DataFrame({"portfolio": result.equity}, index=index)
    for sleeve in result.sleeves:
        frame[f"sleeve:{sleeve.name}"] = sleeve.equity
    bench = result.benchmark_equity()
    if bench is not None:
        frame[f"benchmark:{result.benchmark}"] = bench
    return frame


def _history_start(start: dt.date | None, history_years: int) -> dt.date | None:
    """The source's default history (settings.market_data.history_years), extended back when
    --start asks for an earlier backtest, so indicators still get WARMUP_YEARS of warm-up."""
    if start is None:
        return None
    wanted = start - dt.timedelta(days=round(365.25 * WARMUP_YEARS))
    default = dt.date.today() - dt.timedelta(days=round(365.25 * history_years))
    return wanted if wanted < default else None


def _sleeve_rebalance(text: str) -> RebalanceKind | None:
    raw = text.strip().lower()
    if raw in ("never", "none"):
        return None
    allowed = ("weekly", "monthly", "quarterly", "yearly")
    if raw not in allowed:
        raise ConfigurationError(
            f"--sleeve-rebalance {text!r}: expected never, {', '.join(allowed)}",
            context={"option": "--sleeve-rebalance"},
        )
    return RebalanceKind(raw)


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


def _render(result: BacktestResult, report: Path | None) -> None:
    if result.synthetic:
        console.print(
            f"[bold yellow]SYNTHETIC DATA[/] ({result.source}): simulated prices, not a market "
            "record.",
            highlight=False,
        )
    console.print(
        f"Backtest {result.start} → {result.end} · {len(result.dates)} sessions · "
        f"first defined {result.first_defined} ({result.warmup_sessions} sessions of warm-up) · "
        f"source {result.source}",
        highlight=False,
    )
    columns: list[tuple[str, Metrics]] = [("Portfolio", result.metrics)]
    bench = result.benchmark_equity()
    if bench is not None and np.isfinite(bench).all():
        columns.append((str(result.benchmark), compute_metrics(bench)))
    if len(result.sleeves) > 1:
        columns.extend((s.name, s.metrics) for s in result.sleeves)
    table = Table(title="Performance")
    table.add_column("metric")
    for name, _ in columns:
        table.add_column(name, justify="right")
    rows = (
        ("cumulative return", "cumulative_return", True),
        ("CAGR", "cagr", True),
        ("volatility", "volatility", True),
        ("Sharpe", "sharpe", False),
        ("Sortino", "sortino", False),
        ("max drawdown", "max_drawdown", True),
        ("Calmar", "calmar", False),
        ("beta", "beta", False),
        ("alpha", "alpha", True),
        ("win rate", "win_rate", True),
        ("best day", "best_day", True),
        ("worst day", "worst_day", True),
    )
    for label, key, pct in rows:
        table.add_row(label, *(_fmt(getattr(m, key), pct) for _, m in columns))
    console.print(table)
    console.print(
        f"Final equity [bold]${result.final_equity:,.2f}[/] from ${result.capital:,.2f} · "
        f"costs ${result.costs:,.2f} · turnover {result.turnover:.0%} a year",
        highlight=False,
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if report is not None:
        console.print(f"Report written to {report}", highlight=False)


def _fmt(value: float, pct: bool) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.2%}" if pct else f"{value:.2f}"
