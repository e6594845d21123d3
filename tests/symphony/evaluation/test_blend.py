"""SPEC §5 blending: Σ allocation × weight, per-sleeve attribution, no netting."""

from __future__ import annotations

import pytest

from alchemiser.domain.errors import StrategyError
from alchemiser.domain.portfolio.blend import blend


def test_default_allocation_blend_by_hand() -> None:
    target = blend(
        {
            "nuclear": {"SMR": 1 / 3, "BWXT": 1 / 3, "LEU": 1 / 3},
            "tecl": {"TECL": 1.0},
            "klm": {"TECL": 0.5, "SQQQ": 0.5},
        },
        {"nuclear": 0.3, "tecl": 0.5, "klm": 0.2},
    )
    assert target.weights == pytest.approx(
        {"SMR": 0.1, "BWXT": 0.1, "LEU": 0.1, "TECL": 0.6, "SQQQ": 0.1}
    )
    assert target.sleeves_of("TECL") == pytest.approx({"tecl": 0.5, "klm": 0.1})
    assert target.sleeve_share("TECL", "klm") == pytest.approx(1 / 6)
    assert target.cash == pytest.approx(0.0, abs=1e-12)
    assert sum(target.weights.values()) == pytest.approx(1.0, abs=1e-12)


def test_opposite_exposures_are_not_netted() -> None:
    target = blend({"a": {"TQQQ": 1.0}, "b": {"SQQQ": 1.0}}, {"a": 0.5, "b": 0.5})
    assert target.weights == {"SQQQ": 0.5, "TQQQ": 0.5}


def test_a_sleeve_holding_nothing_leaves_its_share_unallocated() -> None:
    target = blend({"a": {"SPY": 1.0}, "b": {}}, {"a": 0.7, "b": 0.3})
    assert target.weights == {"SPY": 0.7}
    assert target.cash == pytest.approx(0.3)


def test_invalid_sleeves_are_refused() -> None:
    with pytest.raises(StrategyError, match="sum to"):
        blend({"a": {"SPY": 0.6}}, {"a": 1.0})
    with pytest.raises(StrategyError, match="invalid weight"):
        blend({"a": {"SPY": 1.5, "QQQ": -0.5}}, {"a": 1.0})
    with pytest.raises(StrategyError, match="no allocation"):
        blend({"a": {"SPY": 1.0}}, {"b": 1.0})


def test_blend_keeps_attribution() -> None:
    target = blend({"a": {"SPY": 1.0}, "b": {"SPY": 1.0}}, {"a": 0.25, "b": 0.75})
    assert target.sleeves_of("SPY") == {"a": 0.25, "b": 0.75}
    assert target.weights == {"SPY": 1.0}
