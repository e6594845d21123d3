"""How much of a result survives a small change of its numbers (issue 18), pure numpy.

Neighbours of the original: on a grid, the variants whose every swept parameter is at most one
grid step from the original's value (steps counted over the sorted distinct values of that
axis), the original excluded. For a random sample, where steps are sparse, the nearest tenth of
the variants (at least one) by distance in units of each axis's range.

"Within X % of its Sharpe" means a neighbour's Sharpe is at least the original's minus X % of
its magnitude: a neighbour that does better also holds up.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

RANDOM_NEIGHBOUR_SHARE = 0.10


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    neighbours: tuple[int, ...]
    rank: int | None
    """1 = the original beats every neighbour; None when its Sharpe is undefined."""
    within_fraction: float
    """Share of neighbours whose Sharpe holds within `tolerance` of the original's."""
    tolerance: float
    median_sharpe: float


def neighbours(values: FloatArray, original: int, *, grid: bool) -> IntArray:
    """Indices of the original's neighbours (see the module docstring). `values` is
    variants × parameters."""
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    if n <= 1:
        return np.empty(0, dtype=np.intp)
    if grid:
        steps = np.zeros_like(values)
        for j in range(values.shape[1]):
            levels = np.unique(values[:, j])
            steps[:, j] = np.searchsorted(levels, values[:, j])
        near = np.all(np.abs(steps - steps[original]) <= 1, axis=1)
        near[original] = False
        return np.flatnonzero(near)
    span = values.max(axis=0) - values.min(axis=0)
    span[span == 0] = 1.0
    distance = np.sqrt((((values - values[original]) / span) ** 2).sum(axis=1))
    distance[original] = np.inf
    k = max(1, math.ceil(RANDOM_NEIGHBOUR_SHARE * (n - 1)))
    return np.sort(np.argsort(distance, kind="stable")[:k]).astype(np.intp)


def neighbourhood(
    values: FloatArray,
    sharpe: FloatArray,
    original: int,
    *,
    grid: bool,
    tolerance: float = 0.10,
) -> Neighbourhood:
    near = neighbours(values, original, grid=grid)
    own = float(sharpe[original])
    theirs = np.asarray(sharpe, dtype=np.float64)[near]
    finite = theirs[np.isfinite(theirs)]
    if not math.isfinite(own):
        return Neighbourhood(tuple(near.tolist()), None, float("nan"), tolerance, _median(finite))
    rank = 1 + int(np.sum(finite > own))
    floor = own - tolerance * abs(own)
    within = float(np.mean(theirs >= floor)) if len(theirs) else float("nan")
    return Neighbourhood(tuple(near.tolist()), rank, within, tolerance, _median(finite))


def _median(values: FloatArray) -> float:
    return float(np.median(values)) if len(values) else float("nan")


@dataclass(frozen=True, slots=True)
class Surface:
    """A metric over one pair of parameters: mean over the other swept parameters."""

    x: str
    y: str
    x_values: tuple[float, ...]
    y_values: tuple[float, ...]
    z: tuple[tuple[float | None, ...], ...]
    """Rows follow `y_values`, columns `x_values`; None where no variant landed."""


def surfaces(
    addresses: list[str], values: FloatArray, metric: FloatArray, *, max_levels: int = 40
) -> list[Surface]:
    """One surface per pair of parameters (a single parameter gives a one-row surface).

    Axes with more than `max_levels` distinct values (random sweeps over wide ranges) are
    binned into that many equal-width bins labelled by their centres.
    """
    values = np.asarray(values, dtype=np.float64)
    metric = np.asarray(metric, dtype=np.float64)
    levels = [_levels(values[:, j], max_levels) for j in range(values.shape[1])]
    pairs = list(itertools.combinations(range(len(addresses)), 2)) or [(0, 0)]
    out: list[Surface] = []
    for i, j in pairs:
        xs, xi = levels[i]
        if i == j:
            ys, yi = np.array([0.0]), np.zeros(len(metric), dtype=np.intp)
        else:
            ys, yi = levels[j]
        total = np.zeros((len(ys), len(xs)))
        count = np.zeros((len(ys), len(xs)))
        ok = np.isfinite(metric)
        np.add.at(total, (yi[ok], xi[ok]), metric[ok])
        np.add.at(count, (yi[ok], xi[ok]), 1)
        grid = [
            tuple(None if c == 0 else float(t / c) for t, c in zip(trow, crow, strict=True))
            for trow, crow in zip(total, count, strict=True)
        ]
        out.append(
            Surface(
                x=addresses[i],
                y=addresses[j] if i != j else "",
                x_values=tuple(float(v) for v in xs),
                y_values=tuple(float(v) for v in ys),
                z=tuple(grid),
            )
        )
    return out


def _levels(column: FloatArray, max_levels: int) -> tuple[FloatArray, IntArray]:
    distinct = np.unique(column)
    if len(distinct) <= max_levels:
        return distinct, np.searchsorted(distinct, column).astype(np.intp)
    edges = np.linspace(distinct[0], distinct[-1], max_levels + 1)
    index = np.clip(np.searchsorted(edges, column, side="right") - 1, 0, max_levels - 1)
    centres = (edges[:-1] + edges[1:]) / 2
    return centres, index.astype(np.intp)
