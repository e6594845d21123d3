"""The risk rules' interventions as a table (`trade`, `signal`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from alchemiser.application.results.common import InterventionView
from alchemiser.interface.cli.output import console


def render_interventions(interventions: Sequence[InterventionView], title: str) -> None:
    if not interventions:
        return
    table = Table(title=title)
    for column in ("rule", "ticker", "before", "after", "action", "reason"):
        table.add_column(column)
    for i in interventions:
        table.add_row(
            i.rule, i.ticker or "-", f"{i.before:.4g}", f"{i.after:.4g}", i.action, i.reason
        )
    console.print(table)
