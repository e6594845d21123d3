"""The three strategies of the original system, written by us (SPEC §4)."""

BUILTIN_NAMES: tuple[str, ...] = ("nuclear", "tecl", "klm")
