"""Entry point: global options, command groups, and the turning of errors into exit codes."""

from __future__ import annotations

import logging
import sys
from typing import Annotated, ClassVar

import typer
from typer.exceptions import TyperException

from alchemiser import __version__
from alchemiser.interface.cli.command_table import ABOUT, COMMANDS, OPTIONS
from alchemiser.interface.cli.help_style import plain_metavars
from alchemiser.interface.cli.lazy import LazyCommand, LazyGroup
from alchemiser.interface.cli.output import console, render_error

_CLI = "alchemiser.interface.cli."


class _Commands(LazyGroup):
    """Every sub-command, in `--help` order; each module is imported only when its command runs
    (start-up time, issue 16)."""

    lazy: ClassVar[dict[str, LazyCommand]] = {
        name: LazyCommand(_CLI + module, attribute, summary)
        for name, module, attribute, summary in COMMANDS
    }


app = typer.Typer(
    name="alchemiser",
    help=ABOUT,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_Commands,
)

_state = {"verbose": False}
_HELP = dict(OPTIONS)


def _version(value: bool) -> None:
    if value:
        console.print(f"alchemiser {__version__}")
        raise typer.Exit


@app.callback()
def _global(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=_HELP["-v, --verbose"])] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=_HELP["-q, --quiet"])] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=_HELP["--version"])
    ] = False,
) -> None:
    from alchemiser import bootstrap

    _state["verbose"] = verbose
    settings = bootstrap.load_settings()
    bootstrap.setup_logging(settings, verbose=verbose, quiet=quiet)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (distinct per error category)."""
    _state["verbose"] = False
    logging.getLogger().addHandler(logging.NullHandler())  # until settings configure logging
    args = _global_flags_first(list(sys.argv[1:] if argv is None else argv))
    try:
        command = plain_metavars(typer.main.get_command(app))
        result = command.main(args=args, prog_name="alchemiser", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        console.print("Aborted.")
        return 1
    except TyperException as exc:  # usage errors: Typer prints them the way Click does
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return exc.exit_code
    except Exception as exc:
        return _report(exc, json_output="--json" in (sys.argv[1:] if argv is None else argv))
    return result if isinstance(result, int) else 0


_GLOBAL_FLAGS = frozenset({"--verbose", "-v", "--quiet", "-q"})


def _global_flags_first(args: list[str]) -> list[str]:
    """`alchemiser signal --verbose` means `alchemiser --verbose signal`: the global flags are
    moved before the sub-command (no sub-command has options of those names; `--` ends it)."""
    first = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
    if first is None:
        return args
    end = args.index("--") if "--" in args[first:] else len(args)
    moved = [a for a in args[first:end] if a in _GLOBAL_FLAGS]
    rest = [a for a in args[first:end] if a not in _GLOBAL_FLAGS]
    return args[:first] + moved + rest + args[end:]


def _report(exc: Exception, *, json_output: bool) -> int:
    from alchemiser import bootstrap
    from alchemiser.application.error_handler import ErrorHandler
    from alchemiser.domain.redaction import Redactor

    try:
        redactor = bootstrap.redactor_for(bootstrap.load_settings())
    except Exception:
        redactor = Redactor(bootstrap.secret_looking_values())
    record = ErrorHandler(redact=redactor).handle(exc, component="cli", log=False)
    render_error(
        record, verbose=_state["verbose"] or "--verbose" in sys.argv, json_output=json_output
    )
    return record.category.exit_code
