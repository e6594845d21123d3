"""The risk rules' interventions as a table (`trade`, `signal`)."""

from __future__ import annotations

from collections.abc import Sequence

from alchemiser.application.results.common import InterventionView
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.tables import FittedTable, number, text


def render_interventions(interventions: Sequence[InterventionView], title: str) -> None:
    if not interventions:
        return
    columns = [text("rule"), text("ticker"), number("before"), number("after")]
    columns += [text("action"), text("reason")]
    rows = [
        [i.rule, i.ticker or "-", f"{i.before:.4g}", f"{i.after:.4g}", i.action, i.reason]
        for i in interventions
    ]
    console.print(FittedTable(columns, rows, title=title))
