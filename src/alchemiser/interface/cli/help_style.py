"""Help text a user can read: Click-style metavars instead of Python type names.

Typer shows each option's Python annotation (`<list[str]>`, `<bool>`, `<path>`); a user needs
to know what to type, not how the function is annotated. Flags show nothing, values show the
familiar Click names (TEXT, INTEGER, NUMBER, PATH, a|b for choices), arguments their name.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

_NAMES: dict[Any, str] = {int: "INTEGER", float: "NUMBER"}


def plain_metavars(command: Any) -> Any:
    """Set a readable metavar on every parameter of `command` and its sub-commands.

    Duck-typed: Typer builds its commands on its own vendored copy of Click."""
    for param in command.params:
        if param.param_type_name == "argument":
            param.metavar = (param.name or "value").upper()
            _hide_type(param)
        elif param.param_type_name == "option" and param.metavar is None:
            param.metavar = "" if param.is_flag else _metavar(param.type_descriptor)
    _plain_help_option(command)
    for sub in getattr(command, "commands", {}).values():
        plain_metavars(sub)
    return command


def _metavar(desc: Any) -> str:
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    if desc.is_path:
        return "PATH"
    annotation = desc.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return _NAMES.get(annotation, "TEXT")


def _plain_help_option(command: Any) -> None:
    """`--help` is made on demand, after the walk above: give it no metavar when it is."""
    made = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


def _hide_type(param: Any) -> None:
    """Typer prints an argument's type next to its name; the name says it already."""
    param.display_type_rich = lambda ctx: None
