"""`history`: the list of runs, or everything recorded for one run."""

from __future__ import annotations

from alchemiser.application.results.history import RunList, RunRecord
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.account import render_account
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.numbers import percent, price, quantity
from alchemiser.interface.cli.render.run import orders_table, plan_table, sleeves_table
from alchemiser.interface.cli.render.tables import FittedTable, number, text


def render_runs(result: RunList) -> None:
    # the run id is what `history --run` takes: a number-like cell, never cut
    columns = [number("run id"), text("day"), text("mode"), text("status"), number("orders")]
    columns.append(number("residual drift"))
    rows = [
        [
            r.run_id,
            r.trading_day.isoformat(),
            r.mode,
            r.status.value,
            str(r.orders),
            "-" if r.residual_drift is None else percent(r.residual_drift),
        ]
        for r in result.runs
    ]
    console.print(FittedTable(columns, rows, title="Runs (newest first)"))


def render_record(record: RunRecord) -> None:
    run = record.run
    finished = run.finished_at.isoformat() if run.finished_at else "-"
    console.print(
        line(
            (f"Run {run.run_id}", "bold"),
            f" · {run.mode} · {run.broker} · {run.status.value} · "
            f"started {run.started_at.isoformat()} · finished {finished}",
        )
    )
    for event in record.events:
        console.print(
            line(f"  {event.at.isoformat()}  ", (event.step, "cyan"), f"  {event.message}")
        )
    if record.sleeves:
        console.print(sleeves_table(record.sleeves))
    if record.target:
        rows = [
            [
                t.symbol,
                percent(t.weight),
                ", ".join(f"{s} {percent(w)}" for s, w in t.sleeves.items()),
            ]
            for t in record.target
        ]
        columns = [text("symbol"), number("weight"), text("sleeves")]
        console.print(FittedTable(columns, rows, title="Target"))
    if record.plan:
        console.print(plan_table(record.plan))
    if record.orders:
        console.print(orders_table(record.orders))
    if record.fills:
        columns = [text("phase"), text("symbol"), text("side"), number("qty"), number("price")]
        columns.append(number("at"))
        rows = [
            [f.phase.value, f.symbol, f.side, quantity(f.qty), price(f.price), f.at.isoformat()]
            for f in record.fills
        ]
        console.print(FittedTable(columns, rows, title="Fills", keys=2))
    for stage in record.accounts:
        render_account(f"Account {stage.stage}", stage)
    for error in record.errors:
        console.print(line((f"{error.category.value} error: ", "red"), error.message))
