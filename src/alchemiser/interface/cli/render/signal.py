"""`signal`: each sleeve's allocation (and why, with --explain) and the blended target."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from alchemiser.application.results.signal import SignalResult
from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.output import console, err_console
from alchemiser.interface.cli.render.risk import render_interventions


def render_signal(result: SignalResult, *, explain: bool) -> None:
    when = "no date" if result.as_of is None else result.as_of.isoformat()
    if result.synthetic:
        console.print(
            f"[bold yellow]SYNTHETIC DATA[/] ({result.source}): simulated prices, not a market "
            "signal.",
            highlight=False,
        )
    live = " · decision-time price as today's close" if result.live_price else ""
    console.print(f"Signal as of [bold]{when}[/] · source {result.source}{live}", highlight=False)
    for sleeve in result.sleeves:
        if sleeve.ok:
            console.print(
                f"\n[bold]{sleeve.sleeve}[/] · {sleeve.allocation:.0%} of the account · "
                f"{sleeve.name} · {sleeve.as_of}",
                highlight=False,
            )
            table = Table()
            table.add_column("ticker", style="cyan")
            table.add_column("weight", justify="right")
            for ticker, weight in sleeve.weights.items():
                table.add_row(ticker, f"{weight:.2%}")
            console.print(table)
        else:  # the one place a failure is shown (stderr, as every error; the exit code too)
            category = (sleeve.error_category or ErrorCategory.STRATEGY).value.upper()
            text = Text()
            text.append(f"\n{sleeve.sleeve}", style="bold")
            text.append(f" · {sleeve.allocation:.0%} of the account · ")
            text.append(f"FAILED ({category} error)", style="bold red")
            text.append(f"\n{sleeve.error}\n")
            text.append("What to do:", style="yellow")
            text.append(f" {sleeve.suggested_action}")
            err_console.print(text, highlight=False)
        if explain:
            for step in sleeve.explanation:
                console.print(str(step), markup=False, highlight=False)
    failed = [s.sleeve for s in result.sleeves if not s.ok]
    title = "Blended target" + ("" if result.complete else " (INCOMPLETE: failed sleeves missing)")
    console.print(f"\n[bold]{title}[/]", highlight=False)
    table = Table()
    table.add_column("ticker", style="cyan")
    table.add_column("weight", justify="right")
    table.add_column("wanted by")
    for line in result.target:
        by = ", ".join(f"{s} {w:.2%}" for s, w in line.sleeves.items())
        table.add_row(line.symbol, f"{line.weight:.2%}", by)
    missing = sum(s.allocation for s in result.sleeves if not s.ok)
    if result.cash - missing > 1e-9:  # cash the sleeves chose, not the failed sleeves' share
        table.add_row("(cash)", f"{result.cash - missing:.2%}", "")
    if table.row_count:
        console.print(table)
    if failed:
        console.print(
            Text(
                f"Not in the target: {', '.join(failed)} ({missing:.2%} of the account) failed; "
                "nothing is allocated for it here.",
                style="red",
            ),
            highlight=False,
        )
    render_interventions(result.interventions, "Risk rules would change the target")
    if result.risk_target is not None and result.interventions:
        adjusted = ", ".join(f"{t} {w:.2%}" for t, w in sorted(result.risk_target.items()))
        console.print(f"Target after the rules: {adjusted or 'all cash'}", highlight=False)
