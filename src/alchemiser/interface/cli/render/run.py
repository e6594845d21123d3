"""`trade`: one run — sleeves, plan, orders, accounts, drift, notes and errors."""

from __future__ import annotations

from rich.text import Text

from alchemiser.application.results.run import OrderView, PlannedTradeView, RunResult
from alchemiser.application.results.signal import SleeveSignalView
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.account import render_account, render_sleeve_books
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.numbers import money, percent, price, quantity
from alchemiser.interface.cli.render.risk import render_interventions
from alchemiser.interface.cli.render.tables import FittedTable, number, text


def render_run(result: RunResult) -> None:
    source = f"{result.data_source}{' (SYNTHETIC market)' if result.synthetic else ''}"
    dry = " (dry run)" if result.dry_run else ""
    console.print(
        line(
            (f"Run {result.run_id}", "bold"),
            f" · {result.mode}{dry} · broker {result.broker} · data {source} · "
            f"session {result.trading_day} · ",
            (result.status.value, "bold"),
        )
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
        console.print(
            f"Residual drift (largest |final − target|): {percent(result.residual_drift, 3)}",
            markup=False,
        )
    render_sleeve_books(result.sleeve_books)
    render_interventions(result.interventions, "Risk rules")
    for note in result.notes:
        console.print(line(("note:", "yellow"), f" {note}"))
    for error in result.errors:  # each failure once, with what to do (literal text)
        console.print(
            line(
                (f"{error.category.value.upper()} error", "bold red"),
                f": {error.message}\n",
                ("What to do:", "yellow"),
                f" {error.suggested_action}",
            )
        )
    if result.report_file:
        console.print(f"Report: {result.report_file}", markup=False)


def sleeves_table(sleeves: list[SleeveSignalView]) -> FittedTable:
    rows: list[list[str | Text]] = []
    for s in sleeves:
        weights = ", ".join(f"{t} {percent(w, 1)}" for t, w in s.weights.items())
        shown = (
            Text(weights or "cash") if s.ok else Text("FAILED (the error is below)", style="red")
        )
        rows.append([s.sleeve, percent(s.allocation, 0), shown])
    columns = [text("sleeve"), number("allocation"), text("weights")]
    return FittedTable(columns, rows, title="Sleeves")


def plan_table(plan: list[PlannedTradeView]) -> FittedTable:
    columns = [text("phase"), text("symbol"), text("side")]
    columns += [number("qty"), number("price"), number("value")]
    rows = [
        [t.phase.value, t.symbol, t.side, quantity(t.qty), price(t.price), money(t.value)]
        for t in plan
    ]
    return FittedTable(columns, rows, title="Plan", keys=2)


def orders_table(orders: list[OrderView]) -> FittedTable:
    columns = [text("phase"), text("symbol"), text("side"), text("type"), number("qty")]
    columns += [number("limit"), text("status"), number("filled"), number("avg price")]
    rows = [
        [
            o.phase.value,
            o.symbol,
            o.side,
            o.order_type,
            quantity(o.qty),
            "-" if o.limit_price is None else price(o.limit_price),
            o.status,
            quantity(o.filled_qty),
            "-" if o.filled_avg_price is None else price(o.filled_avg_price),
        ]
        for o in orders
    ]
    return FittedTable(columns, rows, title="Orders", keys=2)
