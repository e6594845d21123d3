"""Which variants a sweep runs: parsing `--param ADDR=8..14` / `ADDR=75,80,85`, and the grid or
a seeded random sample of it.

The original symphony is always one of the variants (its own values on every axis), so every
report can say where the original stands and the trial count of the deflated Sharpe ratio
includes it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alchemiser.domain.errors import ConfigurationError

MAX_GRID = 1_000_000
"""A grid larger than this is refused: it would never finish; sample it with --random N."""


@dataclass(frozen=True, slots=True)
class Axis:
    """One swept parameter and the values it takes."""

    address: str
    values: tuple[float, ...]


def parse_axis(text: str) -> Axis:
    """`ADDR=V1,V2,…`, `ADDR=A..B` (step 1) or `ADDR=A..B:STEP`; the address may contain commas
    and parentheses (`rsi(SPY,10).window=8..14`), so the values follow the last `=`."""
    address, sep, spec = text.rpartition("=")
    if not sep or not address.strip() or not spec.strip():
        raise _bad(text, "expected ADDRESS=VALUES, e.g. if[2].cond.rhs=75,80,85 or ...=8..14")
    spec = spec.strip()
    if ".." in spec:
        return Axis(address.strip(), _range(text, spec))
    try:
        values = tuple(float(v) for v in spec.split(",") if v.strip())
    except ValueError:
        raise _bad(text, f"{spec!r} is not a list of numbers") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise _bad(text, "give at least one finite number")
    return Axis(address.strip(), tuple(dict.fromkeys(values)))


def _range(text: str, spec: str) -> tuple[float, ...]:
    bounds, _, step_text = spec.partition(":")
    low_text, _, high_text = bounds.partition("..")
    try:
        low, high = float(low_text), float(high_text)
        step = float(step_text) if step_text else 1.0
    except ValueError:
        raise _bad(text, f"{spec!r} is not A..B or A..B:STEP") from None
    if not (math.isfinite(low) and math.isfinite(high) and step > 0 and high >= low):
        raise _bad(text, "a range needs A <= B and a positive step")
    count = math.floor((high - low) / step + 1e-9) + 1
    if count > 10_000:
        raise _bad(text, f"{count} values on one axis; use a larger step")
    # round away float artefacts of the step (0.1 * 3 = 0.30000000000000004)
    digits = max(0, -math.floor(math.log10(step)) + 6) if step < 1 else 9
    return tuple(round(low + i * step, digits) for i in range(count))


def _bad(text: str, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"--param {text!r}: {why}",
        context={"option": "--param"},
        suggested_action="Write --param ADDRESS=8..14 or --param ADDRESS=75,80,85 "
        "(addresses from `alchemiser symphony params FILE`).",
    )


def grid_size(axes: Sequence[Axis]) -> int:
    return math.prod(len(a.values) for a in axes)


def build_variants(
    axes: Sequence[Axis],
    original: Mapping[str, float],
    *,
    random: int | None = None,
    seed: int = 0,
) -> tuple[list[dict[str, float]], int]:
    """(assignments, index of the original among them).

    Grid: every combination. Random N: N distinct combinations drawn with `seed` (fewer when
    the grid is smaller). The original's own values are added when not already drawn.
    """
    if not axes:
        raise ConfigurationError(
            "a sweep needs at least one --param",
            suggested_action="Add --param ADDRESS=VALUES (see `alchemiser symphony params`).",
        )
    addresses = [a.address for a in axes]
    if len(set(addresses)) != len(addresses):
        raise ConfigurationError("the same address is swept twice", context={"option": "--param"})
    size = grid_size(axes)
    if random is None:
        if size > MAX_GRID:
            raise ConfigurationError(
                f"the grid has {size:,} variants",
                context={"option": "--param"},
                suggested_action="Narrow the ranges or sample it with --random N.",
            )
        combos = [list(c) for c in itertools.product(*(a.values for a in axes))]
    else:
        if random < 1:
            raise ConfigurationError("--random must be at least 1", context={"option": "--random"})
        combos = _sample(axes, min(random, size), seed)
    variants = [dict(zip(addresses, c, strict=True)) for c in combos]
    base = {a: float(original[a]) for a in addresses}
    for index, variant in enumerate(variants):
        if variant == base:
            return variants, index
    return [base, *variants], 0


def _sample(axes: Sequence[Axis], count: int, seed: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    lengths = [len(a.values) for a in axes]
    seen: set[tuple[int, ...]] = set()
    out: list[list[float]] = []
    while len(out) < count:
        pick = tuple(int(rng.integers(n)) for n in lengths)
        if pick in seen:
            continue
        seen.add(pick)
        out.append([a.values[i] for a, i in zip(axes, pick, strict=True)])
    return out
