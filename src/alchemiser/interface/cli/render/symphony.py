"""`symphony check`: one line per file, its tickers, errors and warnings."""

from __future__ import annotations

from rich.markup import escape

from alchemiser.application.results.symphony import SymphonyCheckResult, SymphonyFileCheck
from alchemiser.interface.cli.output import console


def render_check(result: SymphonyCheckResult) -> None:
    for file in result.files:
        _render_file(file)
    if len(result.files) > 1:
        bad = sum(not f.ok for f in result.files)
        total = sum(f.parse_seconds for f in result.files)
        console.print(
            f"{len(result.files) - bad} of {len(result.files)} valid; parsed in {total:.3f} s",
            highlight=False,
            soft_wrap=True,
        )


def _print(text: str) -> None:
    console.print(text, highlight=False, soft_wrap=True)


def _render_file(result: SymphonyFileCheck) -> None:
    file = escape(result.file)
    ms = result.parse_seconds * 1000
    if result.name is not None:
        mark = "[green]ok[/]" if result.ok else "[red]invalid[/]"
        _print(
            f"{mark} {file} — {escape(result.name)}: {result.node_count} nodes, "
            f"{len(result.tickers)} tickers, warm-up {result.warmup_sessions} sessions, "
            f"parsed in {ms:.1f} ms"
        )
        _print(f"  tickers: {escape(', '.join(result.tickers))}")
    else:
        _print(f"[red]invalid[/] {file} (after {ms:.1f} ms)")
    for problem in result.errors:
        _print(f"  [red]error[/] {escape(problem.text)}")
    for problem in result.warnings:
        _print(f"  [yellow]warning[/] {escape(problem.text)}")
