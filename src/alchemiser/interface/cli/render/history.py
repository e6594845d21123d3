"""`history`: the list of runs, or everything recorded for one run."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from alchemiser.application.results.history import RunList, RunRecord
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.account import render_account
from alchemiser.interface.cli.render.run import orders_table, plan_table, sleeves_table


def render_runs(result: RunList) -> None:
    table = Table(title="Runs (newest first)")
    table.add_column("run id", no_wrap=True)
    for column in ("day", "mode", "status", "orders", "residual drift"):
        table.add_column(column)
    for r in result.runs:
        table.add_row(
            r.run_id,
            r.trading_day.isoformat(),
            r.mode,
            r.status.value,
            str(r.orders),
            "-" if r.residual_drift is None else f"{r.residual_drift:.2%}",
        )
    console.print(table)


def render_record(record: RunRecord) -> None:
    run = record.run
    finished = run.finished_at.isoformat() if run.finished_at else "-"
    console.print(
        f"[bold]Run {run.run_id}[/] · {run.mode} · {run.broker} · {run.status.value} · "
        f"started {run.started_at.isoformat()} · finished {finished}"
    )
    for event in record.events:
        console.print(f"  {event.at.isoformat()}  [cyan]{event.step}[/]  {event.message}")
    if record.sleeves:
        console.print(sleeves_table(record.sleeves))
    if record.target:
        table = Table(title="Target")
        for column in ("symbol", "weight", "sleeves"):
            table.add_column(column)
        for line in record.target:
            by = ", ".join(f"{s} {w:.2%}" for s, w in line.sleeves.items())
            table.add_row(line.symbol, f"{line.weight:.2%}", by)
        console.print(table)
    if record.plan:
        console.print(plan_table(record.plan))
    if record.orders:
        console.print(orders_table(record.orders))
    if record.fills:
        fills = Table(title="Fills")
        for column in ("phase", "symbol", "side", "qty", "price", "at"):
            fills.add_column(column, justify="right")
        for f in record.fills:
            fills.add_row(
                f.phase.value, f.symbol, f.side, f"{f.qty:f}", f"{f.price:f}", f.at.isoformat()
            )
        console.print(fills)
    for stage in record.accounts:
        render_account(f"Account {stage.stage}", stage)
    for error in record.errors:
        console.print(
            Text(f"{error.category.value} error: ", style="red") + Text(error.message),
            highlight=False,
        )
