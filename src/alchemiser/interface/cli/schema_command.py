"""`alchemiser schema`: the published JSON schemas of every `--json` output (docs/schemas/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alchemiser.application.results.schemas import schema_texts
from alchemiser.interface.cli.output import console

DEFAULT_DIR = Path("docs/schemas")


def schema(
    *,
    write: Annotated[
        bool, typer.Option("--write", help="Write every schema file into --dir.")
    ] = False,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the schema files go.")
    ] = DEFAULT_DIR,
    name: Annotated[
        str | None, typer.Argument(help="Print one schema (e.g. run, status, error).")
    ] = None,
) -> None:
    """Print or write the JSON schemas generated from the result models."""
    texts = schema_texts()
    if write:
        directory.mkdir(parents=True, exist_ok=True)
        for file, text in texts.items():
            (directory / file).write_text(text, encoding="utf-8")
        stale = sorted(p.name for p in directory.glob("*.json") if p.name not in texts)
        for file in stale:
            (directory / file).unlink()
        console.print(f"wrote {len(texts)} schemas to {directory}", markup=False)
        return
    if name is None:
        console.print("\n".join(sorted(f.removesuffix(".json") for f in texts)))
        return
    key = f"{name}.json"
    if key not in texts:
        raise typer.BadParameter(f"unknown schema {name!r}", param_hint="NAME")
    console.file.write(texts[key])
    console.file.flush()
