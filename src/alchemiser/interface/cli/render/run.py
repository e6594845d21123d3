"""`trade`: one run — sleeves, plan, orders, accounts, drift, notes and errors."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from alchemiser.application.results.run import OrderView, PlannedTradeView, RunResult
from alchemiser.application.results.signal import SleeveSignalView
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.account import render_account, render_sleeve_books
from alchemiser.interface.cli.render.risk import render_interventions


def render_run(result: RunResult) -> None:
    source = f"{result.data_source}{' (SYNTHETIC market)' if result.synthetic else ''}"
    dry = " (dry run)" if result.dry_run else ""
    console.print(
        f"[bold]Run {result.run_id}[/] · {result.mode}{dry} · broker {result.broker} · "
        f"data {source} · session {result.trading_day} · [bold]{result.status.value}[/]"
    )
    if result.sleeves:
        console.print(sleeves_table(result.sleeves))
    if result.plan:
        console.print(plan_table(result.plan))
    elif result.account_before is not None:
        console.print("Plan: nothing to trade.")
    if result.orders:
        console.print(orders_table(result.orders))
    if result.account_before is not None:
        render_account("Account before", result.account_before)
    if result.account_after is not None:
        render_account("Account after", result.account_after)
    if result.residual_drift is not None:
        console.print(f"Residual drift (largest |final − target|): {result.residual_drift:.3%}")
    render_sleeve_books(result.sleeve_books)
    render_interventions(result.interventions, "Risk rules")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    for error in result.errors:  # each failure once, with what to do (Text: no markup)
        text = Text()
        text.append(f"{error.category.value.upper()} error", style="bold red")
        text.append(f": {error.message}\n")
        text.append("What to do:", style="yellow")
        text.append(f" {error.suggested_action}")
        console.print(text, highlight=False)
    if result.report_file:
        console.print(f"Report: {result.report_file}")


def sleeves_table(sleeves: list[SleeveSignalView]) -> Table:
    table = Table(title="Sleeves")
    for column in ("sleeve", "allocation", "weights"):
        table.add_column(column)
    for s in sleeves:
        weights = ", ".join(f"{t} {w:.1%}" for t, w in s.weights.items())
        shown = weights or "cash" if s.ok else "[red]FAILED (the error is below)[/]"
        table.add_row(s.sleeve, f"{s.allocation:.0%}", shown)
    return table


def plan_table(plan: list[PlannedTradeView]) -> Table:
    table = Table(title="Plan")
    for column in ("phase", "symbol", "side", "qty", "price", "value"):
        table.add_column(column, justify="right")
    for t in plan:
        table.add_row(
            t.phase.value,
            t.symbol,
            t.side,
            f"{t.qty:f}",
            f"{t.price:.2f}",
            f"{t.value:,.2f}",
        )
    return table


def orders_table(orders: list[OrderView]) -> Table:
    table = Table(title="Orders")
    columns = ("phase", "symbol", "side", "type", "qty", "limit", "status", "filled", "avg price")
    for column in columns:
        table.add_column(column, justify="right")
    for o in orders:
        table.add_row(
            o.phase.value,
            o.symbol,
            o.side,
            o.order_type,
            f"{o.qty:f}",
            "-" if o.limit_price is None else f"{o.limit_price:f}",
            o.status,
            f"{o.filled_qty:f}",
            "-" if o.filled_avg_price is None else f"{o.filled_avg_price:.4f}",
        )
    return table
