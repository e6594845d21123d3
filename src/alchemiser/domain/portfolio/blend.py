"""Blending sleeves into one target portfolio (SPEC §5).

Target weight of a ticker = Σ_sleeves allocation × weight in that sleeve. Every ticker keeps the
list of sleeves that want it and how much each contributes, because attribution of fills and P&L
(SPEC §10) splits by exactly these shares. Nothing is netted: opposite exposures are held as
targeted, and the same ticker from several sleeves is simply summed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from alchemiser.domain.errors import StrategyError

SLEEVE_SUM_TOLERANCE = 1e-9
"""A sleeve's weights sum to 1 (or to 0 when it deliberately holds nothing), within this."""


@dataclass(frozen=True, slots=True)
class BlendedTarget:
    """The blended target: `weights[t]` = Σ `attribution[t][sleeve]`.

    `cash` is what no sleeve allocates (1 − Σ weights): non-zero only when a sleeve's symphony
    holds nothing that day, or when sleeves were left out (see `PortfolioSignal.blend_with`).
    """

    weights: Mapping[str, float]
    attribution: Mapping[str, Mapping[str, float]] = field(repr=False)
    allocations: Mapping[str, float] = field(repr=False)

    @property
    def cash(self) -> float:
        return max(0.0, 1.0 - math.fsum(self.weights.values()))

    def sleeves_of(self, ticker: str) -> dict[str, float]:
        """Which sleeves want `ticker` and how much of the whole portfolio each contributes."""
        return dict(self.attribution.get(ticker, {}))

    def sleeve_share(self, ticker: str, sleeve: str) -> float:
        """The fraction of `ticker`'s target that belongs to `sleeve` (0 when it wants none)."""
        total = self.weights.get(ticker, 0.0)
        if total <= 0.0:
            return 0.0
        return self.attribution.get(ticker, {}).get(sleeve, 0.0) / total


def blend(
    sleeve_weights: Mapping[str, Mapping[str, float]], allocations: Mapping[str, float]
) -> BlendedTarget:
    """Blend `{sleeve: {ticker: weight}}` by `{sleeve: allocation}`.

    Every sleeve given must have an allocation; allocations of sleeves not given are left out
    (the caller decides what a failed sleeve means). Raises StrategyError on negative or
    non-finite weights, or a sleeve whose weights sum neither to 1 nor to 0.
    """
    attribution: dict[str, dict[str, float]] = {}
    for sleeve, weights in sleeve_weights.items():
        if sleeve not in allocations:
            raise StrategyError(
                f"sleeve {sleeve!r} has weights but no allocation",
                context={"sleeve": sleeve},
                component="portfolio.blend",
            )
        allocation = allocations[sleeve]
        _check_sleeve(sleeve, weights)
        for ticker, weight in weights.items():
            if weight == 0.0:
                continue
            attribution.setdefault(ticker, {})[sleeve] = allocation * weight
    ordered = sorted(attribution)
    totals = {t: math.fsum(attribution[t].values()) for t in ordered}
    return BlendedTarget(
        weights=totals,
        attribution={t: attribution[t] for t in ordered},
        allocations={s: allocations[s] for s in sleeve_weights},
    )


def _check_sleeve(sleeve: str, weights: Mapping[str, float]) -> None:
    for ticker, weight in weights.items():
        if not math.isfinite(weight) or weight < 0.0:
            raise StrategyError(
                f"sleeve {sleeve!r} wants an invalid weight {weight!r} of {ticker}",
                context={"sleeve": sleeve, "ticker": ticker, "weight": weight},
                component="portfolio.blend",
            )
    total = math.fsum(weights.values())
    if total != 0.0 and abs(total - 1.0) > SLEEVE_SUM_TOLERANCE:
        raise StrategyError(
            f"sleeve {sleeve!r} weights sum to {total!r}, not 1",
            context={"sleeve": sleeve, "total": total},
            component="portfolio.blend",
        )
