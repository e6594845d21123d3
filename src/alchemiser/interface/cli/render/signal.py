"""`signal`: each sleeve's allocation (and why, with --explain) and the blended target."""

from __future__ import annotations

from rich.text import Text

from alchemiser.application.results.signal import SignalResult
from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.output import console, err_console
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.numbers import percent
from alchemiser.interface.cli.render.risk import render_interventions
from alchemiser.interface.cli.render.tables import FittedTable, number, text


def render_signal(result: SignalResult, *, explain: bool) -> None:
    when = "no date" if result.as_of is None else result.as_of.isoformat()
    if result.synthetic:
        console.print(
            line(
                ("SYNTHETIC DATA", "bold yellow"),
                f" ({result.source}): simulated prices, not a market signal.",
            ),
            highlight=False,
        )
    live = " · decision-time price as today's close" if result.live_price else ""
    console.print(
        line("Signal as of ", (when, "bold"), f" · source {result.source}{live}"), highlight=False
    )
    for sleeve in result.sleeves:
        if sleeve.ok:
            console.print(
                line(
                    "\n",
                    (sleeve.sleeve, "bold"),
                    f" · {percent(sleeve.allocation, 0)} of the account · "
                    f"{sleeve.name} · {sleeve.as_of}",
                ),
                highlight=False,
            )
            rows = [[ticker, percent(weight)] for ticker, weight in sleeve.weights.items()]
            console.print(FittedTable([text("ticker", style="cyan"), number("weight")], rows))
        else:  # the one place a failure is shown (stderr, as every error; the exit code too)
            category = (sleeve.error_category or ErrorCategory.STRATEGY).value.upper()
            err_console.print(
                line(
                    "\n",
                    (sleeve.sleeve, "bold"),
                    f" · {percent(sleeve.allocation, 0)} of the account · ",
                    (f"FAILED ({category} error)", "bold red"),
                    f"\n{sleeve.error}\n",
                    ("What to do:", "yellow"),
                    f" {sleeve.suggested_action}",
                ),
                highlight=False,
            )
        if explain:
            for step in sleeve.explanation:
                console.print(str(step), markup=False, highlight=False)
    failed = [s.sleeve for s in result.sleeves if not s.ok]
    title = "Blended target" + ("" if result.complete else " (INCOMPLETE: failed sleeves missing)")
    console.print(line("\n", (title, "bold")), highlight=False)
    target: list[list[str | Text]] = [
        [t.symbol, percent(t.weight), ", ".join(f"{s} {percent(w)}" for s, w in t.sleeves.items())]
        for t in result.target
    ]
    missing = sum(s.allocation for s in result.sleeves if not s.ok)
    if result.cash - missing > 1e-9:  # cash the sleeves chose, not the failed sleeves' share
        target.append(["(cash)", percent(result.cash - missing), ""])
    if target:
        columns = [text("ticker", style="cyan"), number("weight"), text("wanted by")]
        console.print(FittedTable(columns, target))
    if failed:
        console.print(
            line(
                (
                    f"Not in the target: {', '.join(failed)} ({percent(missing)} of the account) "
                    "failed; nothing is allocated for it here.",
                    "red",
                )
            ),
            highlight=False,
        )
    render_interventions(result.interventions, "Risk rules would change the target")
    if result.risk_target is not None and result.interventions:
        adjusted = ", ".join(f"{t} {percent(w)}" for t, w in sorted(result.risk_target.items()))
        console.print(
            f"Target after the rules: {adjusted or 'all cash'}", highlight=False, markup=False
        )
