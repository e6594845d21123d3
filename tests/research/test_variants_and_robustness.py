"""Variant grids and the neighbourhood statistics, against hand-worked examples and pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.research.robustness import neighbourhood, neighbours, surfaces
from alchemiser.domain.research.variants import Axis, build_variants, parse_axis


@pytest.mark.parametrize(
    ("text", "address", "values"),
    [
        ("if[2].cond.rhs=75,80,85", "if[2].cond.rhs", (75, 80, 85)),
        ("if[0].cond.lhs.window=8..14", "if[0].cond.lhs.window", (8, 9, 10, 11, 12, 13, 14)),
        ("rsi(SPY,10).window=8..12:2", "rsi(SPY,10).window", (8, 10, 12)),
        ("rebalance.threshold=0.1..0.3:0.1", "rebalance.threshold", (0.1, 0.2, 0.3)),
        (" weights[0].weight[1] = 0.5 ", "weights[0].weight[1]", (0.5,)),
    ],
)
def test_axes_parse(text: str, address: str, values: tuple[float, ...]) -> None:
    axis = parse_axis(text)
    assert axis.address == address
    assert axis.values == values


@pytest.mark.parametrize("text", ["if[0].cond.rhs", "=1,2", "a=", "a=x,y", "a=5..1", "a=1..3:0"])
def test_bad_axes_name_the_option(text: str) -> None:
    with pytest.raises(ConfigurationError, match="--param"):
        parse_axis(text)


def test_grid_includes_the_original_once() -> None:
    axes = [Axis("a", (1.0, 2.0)), Axis("b", (10.0, 20.0))]
    variants, original = build_variants(axes, {"a": 2.0, "b": 10.0})
    assert variants == [
        {"a": 1.0, "b": 10.0},
        {"a": 1.0, "b": 20.0},
        {"a": 2.0, "b": 10.0},
        {"a": 2.0, "b": 20.0},
    ]
    assert original == 2
    variants, original = build_variants(axes, {"a": 3.0, "b": 10.0})
    assert original == 0 and variants[0] == {"a": 3.0, "b": 10.0} and len(variants) == 5


def test_huge_grids_are_refused_before_any_work() -> None:
    axes = [Axis(f"p{i}", tuple(float(v) for v in range(100))) for i in range(4)]
    with pytest.raises(ConfigurationError, match="100,000,000 variants") as info:
        build_variants(axes, {a.address: 0.0 for a in axes})
    assert "--random" in info.value.suggested_action
    sampled, _ = build_variants(axes, {a.address: 0.0 for a in axes}, random=50, seed=1)
    assert len({tuple(v.values()) for v in sampled}) == len(sampled) >= 50


def test_grid_neighbours_are_one_step_away_on_every_axis() -> None:
    xs, ys = np.meshgrid([8, 10, 12, 14], [70, 75, 80], indexing="ij")
    values = np.column_stack([xs.ravel(), ys.ravel()]).astype(float)
    original = int(np.flatnonzero((values[:, 0] == 10) & (values[:, 1] == 75))[0])
    got = {tuple(values[i]) for i in neighbours(values, original, grid=True)}
    # by hand: windows 8..12 × thresholds 70..80, the original excluded
    assert got == {(w, t) for w in (8.0, 10.0, 12.0) for t in (70.0, 75.0, 80.0)} - {(10, 75)}


def test_rank_and_share_within_tolerance() -> None:
    values = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])
    sharpe = np.array([0.5, 0.95, 1.0, 1.2, 0.2])
    near = neighbourhood(values, sharpe, 2, grid=True, tolerance=0.10)
    assert near.neighbours == (1, 3)
    assert near.rank == 2  # 1.2 beats it, 0.95 does not
    assert near.within_fraction == 1.0  # 0.95 >= 0.9 and 1.2 >= 0.9
    near = neighbourhood(values, sharpe, 2, grid=True, tolerance=0.01)
    assert near.within_fraction == 0.5


def test_surfaces_are_means_over_the_other_parameters() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        [(a, b, c) for a in (1, 2, 3) for b in (10, 20) for c in (5, 6, 7)], columns=list("abc")
    ).astype(float)
    frame["sharpe"] = rng.normal(size=len(frame))
    frame.loc[4, "sharpe"] = np.nan  # an undefined variant is left out of its cell's mean
    result = surfaces(
        ["a", "b", "c"], frame[["a", "b", "c"]].to_numpy(), frame["sharpe"].to_numpy()
    )
    assert [(s.x, s.y) for s in result] == [("a", "b"), ("a", "c"), ("b", "c")]
    expected = frame.pivot_table(index="b", columns="a", values="sharpe", aggfunc="mean")
    np.testing.assert_allclose(np.array(result[0].z, dtype=float), expected.to_numpy())
    assert result[0].x_values == (1.0, 2.0, 3.0) and result[0].y_values == (10.0, 20.0)
