"""Typed results of the research use cases: one row per variant, and the sweep's verdict.

Pydantic models so that the CLI's `--json`, the Parquet writer and the HTML report read one
description of a result instead of three hand-built ones. Undefined numbers (a Sharpe ratio with
no volatility) are None, never NaN, so the JSON stays valid.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

OptFloat = float | None


def finite(value: float | None) -> float | None:
    """None for NaN/inf: undefined stays undefined instead of poisoning JSON."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class VariantResult(BaseModel):
    """One backtested variant (or one file of a many-file backtest)."""

    model_config = ConfigDict(frozen=True)

    index: int
    symphony: str
    """The file (or built-in name) the variant comes from."""
    name: str
    parameters: dict[str, float] = Field(default_factory=dict)
    original: bool = False
    digest: str = ""
    start: str | None = None
    end: str | None = None
    sessions: int = 0
    cagr: OptFloat = None
    sharpe: OptFloat = None
    sortino: OptFloat = None
    max_drawdown: OptFloat = None
    volatility: OptFloat = None
    calmar: OptFloat = None
    cumulative_return: OptFloat = None
    turnover: OptFloat = None
    costs: OptFloat = None
    final_equity: OptFloat = None
    daily_sharpe: OptFloat = None
    """Per-session Sharpe ratio (ddof 1), the unit of the deflated Sharpe ratio."""
    skew: OptFloat = None
    kurtosis: OptFloat = None
    in_sample_sharpe: OptFloat = None
    out_of_sample_sharpe: OptFloat = None
    out_of_sample_cagr: OptFloat = None
    error: str | None = None
    seconds: float = 0.0
    equity: list[float] | None = None
    """The equity curve, only when asked for (it is large)."""
    equity_dates: list[str] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class DeflatedSharpeSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    variant: int
    sharpe_annual: OptFloat
    daily_sharpe: OptFloat
    expected_max_daily_sharpe: float
    dsr: OptFloat
    significant: bool
    n_trials: int
    n_obs: int
    skew: OptFloat
    kurtosis: OptFloat
    sharpe_variance: float


class NeighbourhoodSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    neighbours: int
    rank: int | None
    """Rank of the original among itself and its neighbours by Sharpe (1 = best)."""
    within_fraction: OptFloat
    tolerance: float
    median_sharpe: OptFloat
    original_sharpe: OptFloat


class SurfaceModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    x: str
    y: str
    x_values: list[float]
    y_values: list[float]
    z: list[list[float | None]]
    metric: str = "sharpe"


class WalkForwardSummary(BaseModel):
    """Choose on the in-sample years, report the choice out of sample."""

    model_config = ConfigDict(frozen=True)

    split: str
    chosen: int
    chosen_in_sample_sharpe: OptFloat
    chosen_out_of_sample_sharpe: OptFloat
    original_out_of_sample_sharpe: OptFloat
    median_out_of_sample_sharpe: OptFloat
    out_of_sample_rank: int | None
    """Where the in-sample winner ranks out of sample among all variants (1 = best)."""


class SweepResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    symphony: str
    name: str
    mode: str
    """"grid" or "random"."""
    addresses: list[str]
    executor: str
    seconds: float
    variants: list[VariantResult]
    original: int
    best: int | None
    """Index of the variant with the highest Sharpe ratio (None if none is defined)."""
    failed: int
    deflated_sharpe: DeflatedSharpeSummary | None
    neighbourhood: NeighbourhoodSummary
    surfaces: list[SurfaceModel]
    walk_forward: WalkForwardSummary | None = None
    synthetic: bool = False
    source: str = ""


class BatchBacktestResult(BaseModel):
    """`alchemiser backtest FILE…`: one row per file."""

    model_config = ConfigDict(frozen=True)

    rows: list[VariantResult]
    executor: str
    seconds: float
    start: str | None
    end: str | None
    synthetic: bool
    source: str
