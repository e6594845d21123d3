"""The three strategies of the original system, written by us (SPEC §4).

Each is built in Python with `alchemiser.domain.symphony.builder`; the tests prove each tree has
the same content digest as its reference file, so each allocates exactly as the original.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from alchemiser.domain.errors import StrategyError
from alchemiser.domain.symphony.builtins import klm, nuclear, tecl
from alchemiser.domain.symphony.tree import Symphony

_BUILDERS: dict[str, Callable[[], Symphony]] = {
    "nuclear": nuclear.symphony,
    "tecl": tecl.symphony,
    "klm": klm.symphony,
}

BUILTIN_NAMES: tuple[str, ...] = tuple(_BUILDERS)


def builtin(name: str) -> Symphony:
    """The built-in strategy `name` (case-insensitive)."""
    key = name.strip().lower()
    if key not in _BUILDERS:
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
    return _BUILDERS[key]()


__all__ = ["BUILTIN_NAMES", "builtin"]
