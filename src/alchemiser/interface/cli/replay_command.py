"""`alchemiser replay`: the real daily cycle over past sessions, and its parity with the backtest.

Exit codes: those of every command (configuration 14, data 12, …); with `--fail-above BP`, 17
when |final equity gap| or the annualised tracking error exceeds BP basis points.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.results.replay import ParityReport
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.interface.cli.fetch_progress import fetch_progress
from alchemiser.interface.cli.options import JsonFlag, PortfolioOption, SourceOption, parse_date
from alchemiser.interface.cli.output import console, emit
from alchemiser.interface.cli.render.numbers import money

PARITY_CHECK_FAILED = 17
"""`--fail-above` exceeded (distinct from the error categories 10–16)."""


def replay(
    *,
    start: Annotated[str, typer.Option("--start", help="First session YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last session YYYY-MM-DD.")],
    portfolio: PortfolioOption = None,
    source: SourceOption = None,
    slippage_bps: Annotated[
        float,
        typer.Option(
            "--slippage-bps",
            help="Backtest slippage in bps; the simulated broker's spread is twice it "
            "(0: no spread at all, fills at the close).",
        ),
    ] = 1.0,
    fees: Annotated[
        bool, typer.Option("--fees/--no-fees", help="SEC fee and FINRA TAF in the backtest.")
    ] = True,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where the replay's ledger lives (default: data dir)."),
    ] = None,
    fail_above: Annotated[
        float | None,
        typer.Option("--fail-above", help=f"Exit {PARITY_CHECK_FAILED} if a gap exceeds BP."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the parity report as HTML.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Replay the real cycle once per session on the simulated broker; compare to the backtest."""
    settings = bootstrap.replay_settings(
        bootstrap.load_settings(), slippage_bps=slippage_bps, data_dir=data_dir
    )
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    spec = bootstrap.portfolio_of(settings, portfolio_file=portfolio)
    market = bootstrap.market_data_source(
        settings, source, progress=fetch_progress(json_output=json_output)
    )
    service = bootstrap.replay_service(
        settings, source=market, errors=ErrorHandler(bootstrap.redactor_for(settings))
    )
    fingerprint = bootstrap.replay_fingerprint(settings, spec, first, market)
    total = len(service.sessions(first, last))
    with Progress(
        TextColumn("replay"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} sessions/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=json_output,
        transient=True,
    ) as bar:
        task = bar.add_task("replay", total=total, rate="-")

        def advance(done: int, _total: int) -> None:
            bar.update(task, completed=done)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.1f}" if speed else "-")

        records = service.run(spec, first, last, fingerprint=fingerprint, on_progress=advance)
    result = service.compare(
        spec,
        records,
        costs=CostModel(slippage_bps=slippage_bps, fees=fees),
        capital=float(settings.sim_broker.initial_cash),
        non_fractionable=frozenset(settings.sim_broker.non_fractionable),
    )
    if report is not None:
        report.write_text(render_html(result), encoding="utf-8")
    emit(result, lambda r: _render(r, report), json_output=json_output)
    if fail_above is not None and result.gap_exceeds(fail_above):
        raise typer.Exit(PARITY_CHECK_FAILED)


def _rows(result: ParityReport) -> list[tuple[str, str]]:
    p = result.parity
    return [
        ("sessions", f"{result.sessions} ({result.start} … {result.end}, {result.source})"),
        ("costs", f"slippage {result.slippage_bps:g} bp, fees {'on' if result.fees else 'off'}"),
        ("replay final equity", f"{result.replay_final_equity:,.2f}"),
        ("backtest final equity", f"{result.backtest_final_equity:,.2f}"),
        ("final equity gap", f"{p.final_equity_gap_bp:+.2f} bp"),
        (
            "daily tracking difference",
            f"mean {p.tracking_mean_bp:+.2f} bp, max {p.tracking_max_bp:.2f} bp",
        ),
        ("tracking error (annualised)", f"{p.tracking_error_bp:.2f} bp"),
        (
            "turnover (annual, one-way)",
            f"replay {result.turnover['replay']:.2f}×, backtest {result.turnover['backtest']:.2f}×",
        ),
        ("days with different holdings", str(len(result.differing_days))),
        *((f"  {reason}", f"{n} days") for reason, n in sorted(result.reasons.items())),
        ("runs with errors", str(len(result.runs_with_errors))),
    ]


def _line_rows(result: ParityReport) -> list[tuple[str, str, str]]:
    """The reconciliation: (cause, bp, days), then the final equity gap they sum to."""
    rows = []
    for line in result.reconciliation:
        label = line.label
        if line.value is not None:
            label += f" — {money(line.value)} crossed"
        rows.append((label, f"{line.bp:+.3f}", str(line.days)))
    # The report's own gap: its lines sum to it (the parity service guarantees and tests it).
    gap = result.parity.final_equity_gap_bp
    rows.append(("final equity gap (sum of the lines)", f"{gap:+.3f}", ""))
    return rows


def _render(result: ParityReport, report: Path | None) -> None:
    from alchemiser.interface.cli.render.tables import FittedTable, number, text

    rows = [[key, value] for key, value in _rows(result)]
    console.print(
        FittedTable([text("measure"), number("value")], rows, title="Replay vs backtest (parity)")
    )
    columns = [text("cause"), number("bp"), number("days")]
    title = "The gap, line by line (bp of final equity)"
    console.print(FittedTable(columns, [list(row) for row in _line_rows(result)], title=title))
    for run in result.runs_with_errors[:10]:
        console.print(f"{run.session} {run.status}: {'; '.join(run.errors)[:200]}", markup=False)
    if report is not None:
        console.print(f"report: {report}", markup=False)


def render_html(result: ParityReport) -> str:
    """A plain page: the figures, the gap line by line, the days whose holdings differ and
    why, and the runs with errors (no scripts)."""
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _rows(result)
    )
    lines = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in _line_rows(result)
    )
    days = "".join(
        f"<tr><td>{d.session}</td><td>{d.max_weight_gap:.2%}</td>"
        f"<td>{html.escape(', '.join(d.tickers))}</td>"
        f"<td>{html.escape('; '.join(d.reasons))}</td>"
        f"<td>{html.escape(_effects(d.next_session_bp))}</td></tr>"
        for d in result.differing_days[:500]
    )
    errors = "".join(
        f"<li>{r.session} {html.escape(r.status)}: {html.escape('; '.join(r.errors))}</li>"
        for r in result.runs_with_errors
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>Replay parity</title>"
        "<h1>Replay vs backtest</h1>"
        f"<table>{rows}</table>"
        "<h2>The gap, line by line</h2>"
        "<table><tr><th>cause</th><th>bp of final equity</th><th>days</th></tr>"
        f"{lines}</table><h2>Days with different holdings</h2>"
        "<table><tr><th>session</th><th>max gap</th><th>tickers</th><th>why</th>"
        "<th>effect on the next session (bp)</th></tr>"
        f"{days}</table><h2>Runs with errors</h2><ul>{errors}</ul>"
    )


def _effects(contributions: dict[str, float]) -> str:
    return "; ".join(f"{cause} {bp:+.2f}" for cause, bp in contributions.items())
