"""Entry point: global options, command groups, and the turning of errors into exit codes."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from typer.exceptions import TyperException

from alchemiser import __version__, bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.domain.redaction import Redactor
from alchemiser.interface.cli import (
    autopilot_commands,
    backtest_command,
    config_commands,
    dashboard_command,
    data_commands,
    halt_commands,
    init_command,
    notify_commands,
    replay_command,
    schema_command,
    signal_command,
    sweep_command,
    symphony_commands,
    trade_commands,
)
from alchemiser.interface.cli.help_style import plain_metavars
from alchemiser.interface.cli.output import console, render_error

app = typer.Typer(
    name="alchemiser",
    help="Multi-strategy trading engine for Composer symphonies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config_commands.app, name="config")
app.add_typer(notify_commands.app, name="notify")
app.add_typer(symphony_commands.app, name="symphony")
app.add_typer(data_commands.app, name="data")
app.command("init")(init_command.init)
app.command("indicator")(data_commands.indicator)
app.command("signal")(signal_command.signal)
app.command("backtest")(backtest_command.backtest)
app.command("sweep")(sweep_command.sweep)
app.command("replay")(replay_command.replay)
app.command("trade")(trade_commands.trade)
app.command("status")(trade_commands.status)
app.command("history")(trade_commands.history)
app.command("schema")(schema_command.schema)
app.command("dashboard")(dashboard_command.dashboard)
app.add_typer(autopilot_commands.app, name="autopilot")
app.command("halt")(halt_commands.halt)
app.command("resume")(halt_commands.resume)

_state = {"verbose": False}


def _version(value: bool) -> None:
    if value:
        console.print(f"alchemiser {__version__}")
        raise typer.Exit


@app.callback()
def _global(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug logs and tracebacks.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
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
    try:
        redactor = bootstrap.redactor_for(bootstrap.load_settings())
    except Exception:
        redactor = Redactor(bootstrap.secret_looking_values())
    record = ErrorHandler(redact=redactor).handle(exc, component="cli", log=False)
    render_error(
        record, verbose=_state["verbose"] or "--verbose" in sys.argv, json_output=json_output
    )
    return record.category.exit_code


def run() -> None:
    sys.exit(main())
