"""`alchemiser symphony check|convert`: validate symphony files and move them between forms.

`check --json` prints docs/schemas/symphony-check.json.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from alchemiser import bootstrap
from alchemiser.application.results.research import ParameterView
from alchemiser.application.services.symphony import SymphonyService, symphony_parameters
from alchemiser.domain.errors import StrategyError
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, emit, print_json
from alchemiser.interface.cli.render.symphony import render_check
from alchemiser.interface.cli.render.tables import FittedTable, number, text

app = typer.Typer(
    help="Check, convert and list the parameters of symphony files (.clj or Composer JSON).",
    no_args_is_help=True,
)


class TargetFormat(StrEnum):
    JSON = "json"
    CLJ = "clj"


@app.command()
def check(
    files: Annotated[
        list[str],
        typer.Argument(help="Symphony files (.clj or .json), folders of them, or built-in names."),
    ],
    json_output: JsonFlag = False,
) -> None:
    """Parse and validate each symphony: errors with file:line:column, tickers, warm-up, size."""
    result = SymphonyService(bootstrap.load_symphony).check(files)
    emit(result, render_check, json_output=json_output)
    if not result.ok:
        raise typer.Exit(StrategyError.category.exit_code)


@app.command()
def convert(
    file: Annotated[str, typer.Argument(help="Symphony file (.clj or .json) or built-in name.")],
    to: Annotated[
        TargetFormat | None,
        typer.Option("--to", help="Target form; defaults to the output file's extension."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write a symphony as Composer JSON or as `.clj` text (built-ins included)."""
    target = to or _format_of(output)
    result = SymphonyService(bootstrap.load_symphony).convert(file, target.value)
    if output is None:
        console.file.write(result.text)
        console.file.flush()
        return
    data = result.text.encode("utf-8")
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise StrategyError(
            f"cannot write {output}: {exc.strerror or exc}",
            context={"file": str(output)},
            suggested_action="Check that the folder exists and is writable.",
        ) from None
    console.print(f"wrote {escape(str(output))} ({target.value}, {len(data):,} bytes)")


@app.command()
def params(
    file: Annotated[str, typer.Argument(help="Symphony file (.clj or .json) or built-in name.")],
    json_output: JsonFlag = False,
) -> None:
    """List every numeric literal (windows, thresholds, weights, counts) with the address that
    `alchemiser sweep --param ADDRESS=…` takes (--json: docs/schemas/symphony-params.json)."""
    symphony = bootstrap.load_symphony(file)
    rows = symphony_parameters(symphony)
    if json_output:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    cells = [[row.address, str(row.value), row.kind, row.context] for row in rows]
    columns = [text("address"), number("value"), text("kind"), text("in")]
    title = f"{symphony.name}: {len(rows)} parameters"
    console.print(FittedTable(columns, cells, title=title))
    console.print(
        "Group addresses name every use of one indicator, e.g. " + escape(_group_example(rows)),
        highlight=False,
    )


def _group_example(rows: list[ParameterView]) -> str:
    for row in rows:
        if row.indicator:
            return f"{row.indicator}.{row.address.rsplit('.', 1)[1]}"
    return "rsi(SPY,10).window"


def _format_of(output: Path | None) -> TargetFormat:
    suffix = output.suffix.lower().lstrip(".") if output else ""
    if suffix in ("json", "clj"):
        return TargetFormat(suffix)
    raise typer.BadParameter("give --to json or --to clj", param_hint="--to")
