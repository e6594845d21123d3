"""The portfolio of sleeves: which symphonies run and what fraction of the account each gets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from alchemiser.domain.errors import ConfigurationError

ALLOCATION_TOLERANCE = 1e-6
SYMPHONY_SUFFIXES = (".clj", ".json", ".edn")
"""File endings that name a symphony file rather than a built-in strategy."""


@dataclass(frozen=True, slots=True)
class SleeveSpec:
    """One sleeve: `symphony` is a built-in name or a path to a `.clj`/`.json` file."""

    name: str
    symphony: str
    allocation: float


@dataclass(frozen=True, slots=True)
class PortfolioSpec:
    sleeves: tuple[SleeveSpec, ...]
    source: str = "<defaults>"
    risk: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    """The file's `[risk]` table as written (already validated); it overrides the settings'
    `risk` key by key (SPEC §14)."""

    def __post_init__(self) -> None:
        validate_allocations(self.sleeves, self.source)

    @property
    def allocations(self) -> dict[str, float]:
        return {s.name: s.allocation for s in self.sleeves}


def validate_allocations(sleeves: tuple[SleeveSpec, ...], source: str) -> None:
    """SPEC §5: allocations are positive and sum to 1 (± 1e-6), checked before anything runs."""
    if not sleeves:
        raise ConfigurationError(
            f"{source}: the portfolio names no sleeves",
            context={"file": source, "key": "sleeves"},
            suggested_action="Add at least one sleeve, e.g. `[sleeves]` then `nuclear = 1.0`.",
        )
    seen: set[str] = set()
    for sleeve in sleeves:
        if sleeve.name in seen:
            raise ConfigurationError(
                f"{source}: sleeve {sleeve.name!r} appears twice",
                context={"file": source, "key": f"sleeves.{sleeve.name}"},
            )
        seen.add(sleeve.name)
        if not sleeve.allocation > 0:
            raise ConfigurationError(
                f"{source}: sleeves.{sleeve.name} allocation must be positive, "
                f"got {sleeve.allocation}",
                context={"file": source, "key": f"sleeves.{sleeve.name}.allocation"},
            )
    total = sum(s.allocation for s in sleeves)
    if abs(total - 1.0) > ALLOCATION_TOLERANCE:
        listing = ", ".join(f"{s.name}={s.allocation:g}" for s in sleeves)
        raise ConfigurationError(
            f"{source}: sleeve allocations must sum to 1, got {total:.6g} ({listing})",
            context={"file": source, "key": "sleeves", "total": total},
            suggested_action="Change the allocations so that they add up to exactly 1.",
        )


DEFAULT_PORTFOLIO = PortfolioSpec(
    sleeves=(
        SleeveSpec("nuclear", "nuclear", 0.30),
        SleeveSpec("tecl", "tecl", 0.50),
        SleeveSpec("klm", "klm", 0.20),
    )
)


def equal_portfolio(refs: list[str], source: str = "--strategy") -> PortfolioSpec:
    """Strategies named on the command line share the account equally.

    Sleeves are named after the built-in or the file's stem, numbered when a name repeats.
    """
    names: list[str] = []
    for ref in refs:
        base = PurePath(ref).stem if ref.endswith(SYMPHONY_SUFFIXES) else ref.lower()
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        names.append(name)
    share = 1.0 / len(refs)
    sleeves = tuple(SleeveSpec(n, r, share) for n, r in zip(names, refs, strict=True))
    return PortfolioSpec(sleeves, source=source)
