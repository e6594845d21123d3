"""`alchemiser symphony check|convert`: validate symphony files and move them between forms."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from alchemiser import bootstrap
from alchemiser.domain.errors import AlchemiserError, StrategyError, SymphonyParseError
from alchemiser.domain.portfolio.sleeves import SYMPHONY_SUFFIXES
from alchemiser.domain.symphony.clj_writer import to_clj
from alchemiser.domain.symphony.composer_json import dumps_composer_json
from alchemiser.domain.symphony.validator import Problem, Severity, ValidationReport, validate
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, print_json

app = typer.Typer(
    help="Check, convert and list the parameters of symphony files (.clj or Composer JSON).",
    no_args_is_help=True,
)


class TargetFormat(StrEnum):
    JSON = "json"
    CLJ = "clj"


def check_one(ref: str) -> dict[str, Any]:
    """Parse and validate one symphony; a result dict whether it is valid or not."""
    started = time.perf_counter()
    try:
        symphony = bootstrap.load_symphony(ref)
    except AlchemiserError as exc:
        return {
            "file": ref,
            "ok": False,
            "parse_seconds": round(time.perf_counter() - started, 6),
            "errors": _errors_of(exc),
            "warnings": [],
        }
    parse_seconds = time.perf_counter() - started
    report = validate(symphony)
    return _report_dict(ref, report, symphony.name, parse_seconds)


def _errors_of(exc: AlchemiserError) -> list[dict[str, Any]]:
    if isinstance(exc, SymphonyParseError):
        many = getattr(exc, "errors", None) or (exc,)
        return [
            {"message": e.reason, "line": e.line, "column": e.column, "text": str(e)} for e in many
        ]
    return [{"message": exc.message, "line": None, "column": None, "text": exc.message}]


def _problem_dict(problem: Problem, source: str) -> dict[str, Any]:
    line, column = problem.position or (None, None)
    return {
        "message": problem.message,
        "line": line,
        "column": column,
        "text": problem.render(source),
    }


def _report_dict(
    ref: str, report: ValidationReport, name: str, parse_seconds: float
) -> dict[str, Any]:
    return {
        "file": ref,
        "ok": report.ok,
        "name": name,
        "parse_seconds": round(parse_seconds, 6),
        "tickers": list(report.tickers),
        "indicators": [
            {"metric": i.metric.value, "ticker": i.ticker, "window": i.window, **dict(i.params)}
            for i in report.indicators
        ],
        "warmup_sessions": report.warmup_sessions,
        "node_count": report.node_count,
        "distinct_nodes": report.distinct_nodes,
        "errors": [_problem_dict(p, ref) for p in report.problems if p.severity is Severity.ERROR],
        "warnings": [
            _problem_dict(p, ref) for p in report.problems if p.severity is Severity.WARNING
        ],
    }


@app.command()
def check(
    files: Annotated[
        list[str],
        typer.Argument(help="Symphony files (.clj or .json), folders of them, or built-in names."),
    ],
    json_output: JsonFlag = False,
) -> None:
    """Parse and validate each symphony: errors with file:line:column, tickers, warm-up, size."""
    results = [check_one(ref) for ref in _expand(files)]
    if json_output:
        print_json({"files": results, "ok": all(r["ok"] for r in results)})
    else:
        for result in results:
            _print_result(result)
        bad = sum(not r["ok"] for r in results)
        if len(results) > 1:
            total = sum(r["parse_seconds"] for r in results)
            console.print(
                f"{len(results) - bad} of {len(results)} valid; parsed in {total:.3f} s",
                highlight=False,
                soft_wrap=True,
            )
    if not all(r["ok"] for r in results):
        raise typer.Exit(StrategyError.category.exit_code)


def _expand(refs: list[str]) -> list[str]:
    """A folder stands for the symphony files in it (.clj, .edn and .json, sorted)."""
    out: list[str] = []
    for ref in refs:
        folder = Path(ref)
        if folder.is_dir():
            found = sorted(p for p in folder.iterdir() if p.suffix.lower() in SYMPHONY_SUFFIXES)
            out.extend(str(p) for p in found)
            if not found:
                out.append(ref)  # reported as "is a directory" with what to do
        else:
            out.append(ref)
    return out


def _print_result(result: dict[str, Any]) -> None:
    file = escape(result["file"])
    ms = result["parse_seconds"] * 1000
    if "name" in result:
        mark = "[green]ok[/]" if result["ok"] else "[red]invalid[/]"
        console.print(
            f"{mark} {file} — {escape(result['name'])}: {result['node_count']} nodes, "
            f"{len(result['tickers'])} tickers, warm-up {result['warmup_sessions']} sessions, "
            f"parsed in {ms:.1f} ms",
            highlight=False,
            soft_wrap=True,
        )
        console.print(
            f"  tickers: {escape(', '.join(result['tickers']))}", highlight=False, soft_wrap=True
        )
    else:
        console.print(
            f"[red]invalid[/] {file} (after {ms:.1f} ms)", highlight=False, soft_wrap=True
        )
    for problem in result["errors"]:
        console.print(f"  [red]error[/] {escape(problem['text'])}", highlight=False, soft_wrap=True)
    for problem in result["warnings"]:
        console.print(
            f"  [yellow]warning[/] {escape(problem['text'])}", highlight=False, soft_wrap=True
        )


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
    symphony = bootstrap.load_symphony(file)
    text = dumps_composer_json(symphony) if target is TargetFormat.JSON else to_clj(symphony)
    if output is None:
        console.file.write(text)
        console.file.flush()
        return
    data = text.encode("utf-8")
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
    `alchemiser sweep --param ADDRESS=…` takes."""
    from alchemiser.domain.research.parameters import ParameterSpace

    space = ParameterSpace(bootstrap.load_symphony(file))
    rows = [p.as_dict() for p in space.parameters]
    if json_output:
        print_json(rows)
        return
    table = Table(title=f"{escape(space.symphony.name)}: {len(rows)} parameters")
    table.add_column("address", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("in")
    for row in rows:
        table.add_row(
            escape(str(row["address"])),
            str(row["value"]),
            str(row["kind"]),
            escape(str(row["context"])),
        )
    console.print(table)
    console.print(
        "Group addresses name every use of one indicator, e.g. " + escape(_group_example(rows)),
        highlight=False,
    )


def _group_example(rows: list[dict[str, object]]) -> str:
    for row in rows:
        if row["indicator"]:
            field = str(row["address"]).rsplit(".", 1)[1]
            return f"{row['indicator']}.{field}"
    return "rsi(SPY,10).window"


def _format_of(output: Path | None) -> TargetFormat:
    suffix = output.suffix.lower().lstrip(".") if output else ""
    if suffix in ("json", "clj"):
        return TargetFormat(suffix)
    raise typer.BadParameter("give --to json or --to clj", param_hint="--to")
