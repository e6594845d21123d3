"""Sub-commands imported only when they run, so `--version` and `--help` start in a blink.

A command module pulls in its use case (pandas, SQLAlchemy, broker SDKs …): importing all of
them up front made every call, `--version` included, pay seconds. The root group knows each
sub-command by name, module and one-line summary; it imports the module the first time the
command is resolved. The root `--help` lists the summaries without importing anything.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer import _click
from typer.core import DEFAULT_MARKUP_MODE, TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group
from typer.models import CommandInfo

from alchemiser.interface.cli.help_style import plain_metavars


@dataclass(frozen=True)
class LazyCommand:
    """Where a sub-command lives: `attribute` of `module` is a command function or a
    `typer.Typer` group. `summary` is its line in the root `--help` (and its short help)."""

    module: str
    attribute: str
    summary: str


class LazyGroup(TyperGroup):
    """A Typer group whose sub-commands are `LazyCommand`s (see the module docstring)."""

    lazy: ClassVar[dict[str, LazyCommand]] = {}

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*self.commands, *(name for name in self.lazy if name not in self.commands)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = self.commands.get(cmd_name)
        entry = self.lazy.get(cmd_name)
        if command is None and entry is not None:
            if getattr(ctx, "_alchemiser_listing", False):
                # Listing for help: a stand-in carrying the summary, nothing imported.
                return TyperCommand(name=cmd_name, short_help=entry.summary, help=entry.summary)
            command = self.commands[cmd_name] = load(cmd_name, entry)
        return command

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        ctx._alchemiser_listing = True  # type: ignore[attr-defined]
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx._alchemiser_listing = False  # type: ignore[attr-defined]

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        # Typer's "did you mean" looks only at loaded commands; offer the lazy ones too.
        try:
            return self._click_resolve_command(ctx, args)
        except _click.exceptions.UsageError as exc:
            from difflib import get_close_matches

            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                suggestions = ", ".join(repr(m) for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise


def load(name: str, entry: LazyCommand) -> _click.Command:
    """Import the sub-command and build its Click command the way `Typer.add_typer` /
    `Typer.command` would have, with readable metavars (`plain_metavars` in `main` walks only
    the commands loaded at that time, which is none of these)."""
    target: Any = getattr(importlib.import_module(entry.module), entry.attribute)
    command: _click.Command
    if isinstance(target, typer.Typer):
        command = get_group(target)
        command.name = name
    else:
        command = get_command_from_info(
            CommandInfo(name=name, callback=target),
            pretty_exceptions_short=True,
            rich_markup_mode=DEFAULT_MARKUP_MODE,
        )
    command.short_help = entry.summary
    plain_metavars(command)
    return command
