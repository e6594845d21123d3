"""The three strategies of the original system, written by us (SPEC §4).

Each is built in Python with `alchemiser.domain.symphony.builder`; the tests prove each tree has
the same content digest as its reference file, so each allocates exactly as the original.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from alchemiser.domain.errors import StrategyError

if TYPE_CHECKING:
    from alchemiser.domain.symphony.tree import Symphony

BUILTIN_NAMES: tuple[str, ...] = ("nuclear", "tecl", "klm")
"""Each is the module of that name here, with a `symphony()` builder. Its module is imported
when the strategy is first built: reading the names (every command validates a portfolio
against them) does not load the trees (start-up, issue 16)."""


def builtin(name: str) -> Symphony:
    """The built-in strategy `name` (case-insensitive)."""
    key = name.strip().lower()
    if key not in BUILTIN_NAMES:
        raise StrategyError(
            f"unknown built-in strategy {name!r}; the built-ins are {', '.join(BUILTIN_NAMES)}",
            context={"strategy": name, "builtins": list(BUILTIN_NAMES)},
            suggested_action="Use one of the built-in names or give the path of a .clj/.json file.",
            component="symphony.builtins",
        )
    return _built(key)


@cache
def _built(key: str) -> Symphony:
    """Trees are immutable, so each built-in is built once and shared."""
    module = importlib.import_module(f"{__name__}.{key}")
    built: Symphony = module.symphony()
    return built


__all__ = ["BUILTIN_NAMES", "builtin"]
